import { HttpRequest, InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { createStatusHandler } from "../../../src/functions/status";
import {
  SharedReport,
  STATUS_REPORT_STALE_MS,
  STATUS_REPORT_TTL_MS,
} from "../../../src/status/reportCache";
import { serveStatus } from "../../../src/status/server";
import { fakeStatusDeps } from "./fakeStatusDeps";
import { migratingState } from "./stateFixtures";

/** A build the test finishes when it wants, counting how often it was started. */
function controlledBuild() {
  const control = { builds: 0, finish: (_value: string) => {}, fail: (_error: Error) => {} };
  const build = () => {
    control.builds++;
    return new Promise<string>((resolve, reject) => {
      control.finish = resolve;
      control.fail = reject;
    });
  };
  return { control, build };
}

describe("SharedReport", () => {
  it("starts one build for requests that arrive while it runs, and gives them all its result", async () => {
    const shared = new SharedReport<string>({ now: () => 0 });
    const { control, build } = controlledBuild();
    const waiting = Array.from({ length: 50 }, () => shared.get(build));
    control.finish("report");
    expect(await Promise.all(waiting)).toEqual(Array(50).fill("report"));
    expect(control.builds).toBe(1);
  });

  it("answers from the built report until the time-to-live has passed, then builds again", async () => {
    let now = 1_000;
    const shared = new SharedReport<number>({ now: () => now, staleMs: 0 });
    let builds = 0;
    const build = async () => ++builds;
    expect(await shared.get(build)).toBe(1);
    now += STATUS_REPORT_TTL_MS - 1;
    expect(await shared.get(build)).toBe(1);
    now += 1;
    expect(await shared.get(build)).toBe(2);
  });

  it("answers with the previous report while the next one is built, within the stale time", async () => {
    let now = 0;
    const shared = new SharedReport<string>({ now: () => now });
    expect(await shared.get(async () => "first")).toBe("first");
    now = STATUS_REPORT_TTL_MS;
    const { control, build } = controlledBuild();
    expect(await shared.get(build)).toBe("first");
    expect(await shared.get(build)).toBe("first");
    expect(control.builds).toBe(1);
    control.finish("second");
    await Promise.resolve();
    expect(await shared.get(build)).toBe("second");
    expect(control.builds).toBe(1);
  });

  it("waits for the next build once the previous report is older than the stale time", async () => {
    let now = 0;
    const shared = new SharedReport<string>({ now: () => now });
    await shared.get(async () => "first");
    now = STATUS_REPORT_TTL_MS + STATUS_REPORT_STALE_MS;
    expect(await shared.get(async () => "second")).toBe("second");
  });

  it("after a failed build in the background, answers the next request with the error", async () => {
    let now = 0;
    const shared = new SharedReport<string>({ now: () => now });
    await shared.get(async () => "first");
    now = STATUS_REPORT_TTL_MS;
    const { control, build } = controlledBuild();
    expect(await shared.get(build)).toBe("first");
    control.fail(new Error("storage unreachable"));
    await Promise.resolve();
    await Promise.resolve();
    await expect(
      shared.get(async () => Promise.reject(new Error("still unreachable"))),
    ).rejects.toThrow("still unreachable");
  });

  it("with a time-to-live of 0 shares only a build in progress", async () => {
    const shared = new SharedReport<number>({ ttlMs: 0, now: () => 0 });
    let builds = 0;
    const build = async () => ++builds;
    expect(await Promise.all([shared.get(build), shared.get(build)])).toEqual([1, 1]);
    expect(await shared.get(build)).toBe(2);
  });

  it("gives a failed build's error to every waiting request and does not keep it", async () => {
    const shared = new SharedReport<string>({ now: () => 0 });
    const { control, build } = controlledBuild();
    const first = shared.get(build);
    const second = shared.get(build);
    control.fail(new Error("storage unreachable"));
    await expect(first).rejects.toThrow("storage unreachable");
    await expect(second).rejects.toThrow("storage unreachable");
    const retried = shared.get(build);
    control.finish("report");
    expect(await retried).toBe("report");
    expect(control.builds).toBe(2);
  });

  it("refuses a negative time-to-live, naming it", () => {
    expect(() => new SharedReport({ ttlMs: -1 })).toThrow(/ttlMs: received -1/);
  });
});

describe("Status_Http under concurrent requests", () => {
  it("reads the state once for concurrent requests in one refresh interval", async () => {
    const deps = fakeStatusDeps(migratingState());
    const handler = createStatusHandler(async () => deps);
    const context = new InvocationContext({ functionName: "Status_Http", logHandler: () => {} });
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        handler(
          new HttpRequest({
            method: "GET",
            url: `https://app.azurewebsites.net/api/status${i % 2 === 0 ? "" : "?format=json"}`,
          }),
          context,
        ),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(40).fill(200));
    expect(deps.reads).toBe(1);
  });
});

describe("serveStatus under concurrent requests", () => {
  it("reads the state once for concurrent requests in one refresh interval", async () => {
    const deps = fakeStatusDeps(migratingState());
    const server = await serveStatus(deps, 0);
    try {
      const statuses = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const response = await fetch(i % 2 === 0 ? server.url : `${server.url}?format=json`);
          await response.text();
          return response.status;
        }),
      );
      expect(statuses).toEqual(Array(20).fill(200));
      expect(deps.reads).toBe(1);
    } finally {
      await server.close();
    }
  });
});
