import { describe, expect, it } from "vitest";
import type { EngineDeps } from "../../../src/engine/deps";
import type { Bundle } from "../../../src/fhir/types";
import { compareFullUnit } from "../../../src/verify/fullUnit";
import type { FullUnitInput } from "../../../src/verify/fullTypes";

const input: FullUnitInput = {
  runId: "run-1",
  scope: "history",
  sinceMs: 0,
  tillMs: 10_000,
  migratesDeletes: true,
  watermark: null,
  pageSize: 2,
};

function version(id: string, ms: number, family = "Smith") {
  return {
    resource: {
      resourceType: "Patient",
      id,
      meta: { versionId: "1", lastUpdated: new Date(ms).toISOString() },
      name: [{ family }],
    },
  };
}

type Page = ReturnType<typeof version>[];

/**
 * A server answering `pages` one after another; `before(i)` is awaited before page i is answered
 * (a server that is slow on a page). `log` records each page as it is asked for.
 */
function server(name: string, pages: Page[], log: string[], before = async (_i: number) => {}) {
  return {
    baseUrl: `https://${name}`,
    async *searchPagesText() {
      for (let i = 0; i < pages.length; i++) {
        log.push(`${name} ${i}`);
        await before(i);
        const bundle: Bundle = { resourceType: "Bundle", entry: pages[i] } as Bundle;
        yield { bundle, text: JSON.stringify(bundle), requestCharge: undefined };
      }
    },
    vread: async () => ({ found: false, deleted: false, text: "" }),
  };
}

function deps(source: unknown, destination: unknown): EngineDeps {
  return {
    source,
    destination,
    state: {
      getCheckResult: async () => undefined,
      recordCheckResult: async () => undefined,
      async *listFailedResources() {},
    },
  } as unknown as EngineDeps;
}

describe("VerifyFullUnit's reading", () => {
  it("reads the destination while the source is still being read", async () => {
    const log: string[] = [];
    let destinationAsked!: () => void;
    const destinationStarted = new Promise<void>((resolve) => (destinationAsked = resolve));
    const pages: Page[] = [
      [version("a", 1), version("b", 2)],
      [version("c", 3), version("d", 4)],
    ];
    // The source answers its second page only once the destination was asked for its first.
    const source = server("source", pages, log, async (i) => {
      if (i === 1) await destinationStarted;
    });
    const destination = server("destination", pages, log, async (i) => {
      if (i === 0) destinationAsked();
    });
    const result = await compareFullUnit(deps(source, destination), input);
    expect(result.error).toBeNull();
    expect(result.perType).toEqual([
      expect.objectContaining({ type: "Patient", source: 4, destination: 4, matched: 4 }),
    ]);
    expect(log.indexOf("destination 0")).toBeLessThan(log.indexOf("source 1"));
  });

  it("finds the same differences whichever side answers first", async () => {
    const log: string[] = [];
    const source = server("source", [[version("a", 1), version("b", 2, "Jones")]], log);
    // The destination answers at once, the source later: every match happens as a source version arrives.
    const slowSource = {
      ...source,
      async *searchPagesText() {
        await new Promise((resolve) => setTimeout(resolve, 20));
        yield* source.searchPagesText();
      },
    };
    const destination = server("destination", [[version("b", 2), version("x", 3)]], log);
    const result = await compareFullUnit(deps(slowSource, destination), input);
    expect(result.perType).toEqual([
      expect.objectContaining({ source: 2, destination: 2, different: 1, extra: 1, missing: 1 }),
    ]);
    expect(result.examples.map((e) => [e.id, e.problem]).sort()).toEqual([
      ["a", "missing"],
      ["b", "content"],
      ["x", "extra"],
    ]);
  });

  it("asks the destination for no more pages while it holds more than it may ahead of the source", async () => {
    const log: string[] = [];
    const source = server("source", [[version("a", 1)]], log, async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      log.push("source answered");
    });
    // Six destination versions the source does not have, two per page.
    const destination = server(
      "destination",
      [0, 1, 2].map((p) => [version(`x${2 * p}`, 10 + p), version(`x${2 * p + 1}`, 10 + p)]),
      log,
    );
    const result = await compareFullUnit(deps(source, destination), { ...input, holdAhead: 2 });
    expect(result.perType[0]).toMatchObject({ extra: 6, missing: 1 });
    // Pages 0 and 1 while 0, then 2 held (at most 2 ahead); page 2 only once the source was read.
    expect(log.indexOf("destination 1")).toBeLessThan(log.indexOf("source answered"));
    expect(log.indexOf("destination 2")).toBeGreaterThan(log.indexOf("source answered"));
    expect(result.held).toBeLessThanOrEqual(1 + 2 + 2);
  });
});
