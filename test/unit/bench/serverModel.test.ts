import { describe, expect, it } from "vitest";
import {
  CitedServers,
  SERVER_LIMITS,
  firstIdlePollMs,
  sourceSeed,
} from "../../../bench/serverModel";

const RATES = { exportPerSecond: 1000, importPerSecond: 500, bytesPerVersion: 2000 };

function servers(seed = 3): CitedServers {
  return new CitedServers(RATES, ["Patient", "Observation"], 2, 0, 0, seed);
}

/** The first second (polled every 100 ms) at which `done` holds. */
function firstMs(done: (atMs: number) => boolean, fromMs = 0): number {
  for (let t = fromMs; t < 10 * 3_600_000; t += 100) if (done(t)) return t;
  throw new Error("never done");
}

describe("CitedServers", () => {
  it("an export on an idle source waits for a worker's next poll, then runs at the source's rate, then stays 202 for 15 s", () => {
    const s = servers();
    const id = s.startExport(0, new Map([["Patient", 10_000]]));
    const pickedMs = firstIdlePollMs(sourceSeed(3), 0, 0);
    expect(pickedMs).toBeGreaterThan(0);
    expect(pickedMs).toBeLessThan(SERVER_LIMITS.queuePollMs * 1.1);
    const seen = firstMs((t) => s.exportResult(id, t) !== undefined);
    // 10,000 versions at 1,000/s after the pick-up, then the 15 s grace.
    expect(seen).toBeGreaterThanOrEqual(pickedMs + 10_000 + SERVER_LIMITS.exportStatusGraceMs);
    expect(seen).toBeLessThanOrEqual(pickedMs + 10_000 + SERVER_LIMITS.exportStatusGraceMs + 100);
  });

  it("writes one processing job's files per type and partition, 5,000 resources each", () => {
    const s = servers();
    const id = s.startExport(
      0,
      new Map([
        ["Patient", 12_001],
        ["Observation", 3],
      ]),
    );
    const files = s.exportResult(id, 3_600_000)!;
    // Patient: 6,001 and 6,000 per partition → 5,000 + 1,001, 5,000 + 1,000; Observation: 2 + 1.
    expect(files.map((f) => f.resources).sort((a, b) => a - b)).toEqual([
      1, 2, 1000, 1001, 5000, 5000,
    ]);
    expect(s.processingJobs().export).toBe(4);
  });

  it("imports at the destination's rate, one processing job per 10 MB of input, shared by the imports running at once", () => {
    const one = servers();
    const file = { type: "Patient", resources: 5000, bytes: 10_000_000 };
    const a = one.startImport(0, [file, file]);
    const alone = firstMs((t) => one.importDone(a, t));
    const two = servers();
    const b = two.startImport(0, [file, file]);
    const c = two.startImport(0, [file, file]);
    const both = firstMs((t) => two.importDone(b, t) && two.importDone(c, t));
    // 10,000 resources at 500/s alone; 20,000 at the same shared rate together.
    expect(both - alone).toBeGreaterThanOrEqual(19_900);
    expect(both - alone).toBeLessThanOrEqual(20_100 + SERVER_LIMITS.queuePollMs * 1.1);
    expect(one.processingJobs().import).toBe(2);
  });

  it("dequeues the next job at once when a job ends, without waiting for a poll", () => {
    const s = servers();
    const file = { type: "Patient", resources: 500, bytes: 1_000_000 };
    const first = s.startImport(0, [file]);
    // Queued behind the first: its jobs run as soon as a worker finishes one, not a poll later.
    const second = s.startImport(100, [file, file, file, file]);
    const firstDone = firstMs((t) => s.importDone(first, t));
    const secondDone = firstMs((t) => s.importDone(second, t), firstDone);
    expect(secondDone - firstDone).toBeLessThanOrEqual(4_000 + 200);
  });

  it("counts one physical partition per 50 GB or per 10,000 RU/s", () => {
    expect(CitedServers.partitionsFor(2e12, 0)).toBe(40);
    expect(CitedServers.partitionsFor(1e9, 100_000)).toBe(10);
    expect(CitedServers.partitionsFor(0, 0)).toBe(1);
  });
});
