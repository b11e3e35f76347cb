import { HttpRequest, InvocationContext } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import { describe, expect, it, vi } from "vitest";
import type { EngineDeps } from "../../../src/engine/deps";
import { clearMaxExportRetriesHandler } from "../../../src/functions/control";

/** Deps whose every use fails the test: a refused request must not touch the state. */
const untouchable = new Proxy(
  {},
  {
    get: (_t, name) => {
      throw new Error(`a refused request read deps.${String(name)}`);
    },
  },
) as Pick<EngineDeps, "state" | "telemetry" | "settings">;

function client() {
  return { getStatus: vi.fn(), startNew: vi.fn() } as unknown as DurableClient;
}

function call(query: string, method = "POST", body?: string) {
  return clearMaxExportRetriesHandler(
    new HttpRequest({
      method,
      url: `http://localhost/api/ClearMaxExportRetries_Http${query}`,
      ...(body === undefined ? {} : { body: { string: body } }),
    }),
    client(),
    new InvocationContext(),
    untouchable,
  );
}

describe("ClearMaxExportRetries_Http refuses before it changes anything", () => {
  it("GET gets 405 with Allow: POST, even with dryRun", async () => {
    expect(await call("?dryRun=true", "GET")).toMatchObject({
      status: 405,
      headers: { Allow: "POST" },
      jsonBody: { error: expect.stringMatching(/use POST/) },
    });
  });

  it("an unknown parameter gets 400 naming it and the accepted one", async () => {
    expect(await call("?dryrun2=true")).toMatchObject({
      status: 400,
      jsonBody: { error: expect.stringMatching(/"dryrun2".*accepted: dryRun/) },
    });
  });

  it("a dryRun that is not true or false gets 400", async () => {
    expect(await call("?dryRun=yes")).toMatchObject({
      status: 400,
      jsonBody: { error: expect.stringMatching(/expected true or false/) },
    });
  });

  it("a body gets 400 (it has no body options to ignore)", async () => {
    expect(await call("", "POST", '{"dryRun":true}')).toMatchObject({
      status: 400,
      jsonBody: { error: expect.stringMatching(/takes no body/) },
    });
  });
});
