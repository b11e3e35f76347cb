import { HttpRequest, InvocationContext } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import { describe, expect, it, vi } from "vitest";
import type { EngineDeps } from "../../../src/engine/deps";
import { cutoverHandler } from "../../../src/functions/cutover";

/** Deps whose every use fails the test: a refused request must not touch the state. */
const untouchable = new Proxy(
  {},
  {
    get: (_t, name) => {
      throw new Error(`a refused request read deps.${String(name)}`);
    },
  },
) as Pick<EngineDeps, "state" | "telemetry" | "clock">;

function client() {
  return { getStatus: vi.fn(), startNew: vi.fn() } as unknown as DurableClient;
}

function call(query: string, method = "POST", body?: string) {
  return cutoverHandler(
    new HttpRequest({
      method,
      url: `http://localhost/api/Cutover_Http${query}`,
      ...(body === undefined ? {} : { body: { string: body } }),
    }),
    client(),
    new InvocationContext(),
    untouchable,
  );
}

describe("Cutover_Http refuses before it changes anything", () => {
  it("GET gets 405 with Allow: POST", async () => {
    expect(await call("", "GET")).toMatchObject({ status: 405, headers: { Allow: "POST" } });
  });

  it("an unknown parameter gets 400 naming it and the accepted ones", async () => {
    expect(await call("?freze=2026-12-03T10:00:00Z")).toMatchObject({
      status: 400,
      jsonBody: { error: expect.stringMatching(/"freze".*accepted: freeze, cancel/) },
    });
  });

  it("a freeze without a time zone gets 400 naming what is accepted", async () => {
    expect(await call("?freeze=2026-12-03T10:00:00")).toMatchObject({
      status: 400,
      jsonBody: { error: expect.stringMatching(/with a time zone/) },
    });
  });

  it("a repeated freeze gets 400", async () => {
    expect(await call("?freeze=2026-12-03T10:00:00Z&freeze=2026-12-03T11:00:00Z")).toMatchObject({
      status: 400,
      jsonBody: { error: expect.stringMatching(/give it once/) },
    });
  });

  it("cancel that is not true or false gets 400", async () => {
    expect(await call("?cancel=yes")).toMatchObject({
      status: 400,
      jsonBody: { error: expect.stringMatching(/expected true or false/) },
    });
  });

  it("cancel together with a freeze gets 400", async () => {
    expect(await call("?cancel=true&freeze=2026-12-03T10:00:00Z")).toMatchObject({
      status: 400,
      jsonBody: { error: expect.stringMatching(/not both/) },
    });
  });

  it("a body gets 400", async () => {
    expect(await call("", "POST", "{}")).toMatchObject({ status: 400 });
  });
});
