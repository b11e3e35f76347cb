import { HttpRequest, InvocationContext } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import { describe, expect, it, vi } from "vitest";
import type { CutoverRecord } from "../../../src/core/cutover";
import type { EngineDeps } from "../../../src/engine/deps";
import {
  MIGRATION_INSTANCE_ID,
  MIGRATION_WAKE_EVENT,
} from "../../../src/engine/migrationOrchestrator";
import { cutoverHandler } from "../../../src/functions/cutover";
import { InMemoryTelemetry } from "../../../src/telemetry/telemetry";

/** Deps whose every use fails the test: a refused request must not touch the state. */
const untouchable = new Proxy(
  {},
  {
    get: (_t, name) => {
      throw new Error(`a refused request read deps.${String(name)}`);
    },
  },
) as Pick<EngineDeps, "state" | "telemetry" | "clock" | "source" | "destination" | "settings">;

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

  it.each(["2026-02-30T00:00:00Z", "2026-04-31T10:00:00Z", "2026-12-03T24:00:00Z"])(
    "a freeze that is not on the calendar (%s) gets 400 naming the parameter and the accepted form",
    async (freeze) => {
      expect(await call(`?freeze=${freeze}`)).toMatchObject({
        status: 400,
        jsonBody: {
          error: expect.stringMatching(
            new RegExp(`^Cutover_Http: freeze: received "${freeze}"; expected an ISO 8601 instant`),
          ),
        },
      });
    },
  );

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

describe("Cutover_Http wakes the migration", () => {
  function deps(): Pick<
    EngineDeps,
    "state" | "telemetry" | "clock" | "source" | "destination" | "settings"
  > {
    let record: CutoverRecord | undefined;
    return {
      state: {
        cutover: {
          get: async () => record,
          change: async (decide: (r: CutoverRecord | undefined) => CutoverRecord | undefined) => {
            const before = record;
            const next = decide(record);
            if (next !== undefined) record = next;
            return { written: next !== undefined, before, after: record };
          },
        },
      } as unknown as EngineDeps["state"],
      telemetry: new InMemoryTelemetry(),
      clock: { now: () => Date.parse("2026-12-03T10:05:00Z") },
    } as unknown as Pick<
      EngineDeps,
      "state" | "telemetry" | "clock" | "source" | "destination" | "settings"
    >;
  }

  it("raises the wake event on the running orchestration, so the cutover starts now", async () => {
    const running = {
      getStatus: vi.fn(async () => ({ runtimeStatus: "Running" })),
      startNew: vi.fn(),
      raiseEvent: vi.fn(async () => {}),
    };
    const response = await cutoverHandler(
      new HttpRequest({
        method: "POST",
        url: "http://localhost/api/Cutover_Http?freeze=2026-12-03T10:00:00Z",
      }),
      running as unknown as DurableClient,
      new InvocationContext(),
      deps(),
    );
    expect(response).toMatchObject({
      status: 202,
      jsonBody: { outcome: "started", orchestration: "woken" },
    });
    expect(running.raiseEvent).toHaveBeenCalledWith(
      MIGRATION_INSTANCE_ID,
      MIGRATION_WAKE_EVENT,
      null,
    );
  });
});
