import { describe, expect, it } from "vitest";
import type { ProgressEvent, ProgressSink } from "../../../src/core/progress";
import { fanOutProgress, passProgress } from "../../../src/core/progress";
import { emptyCursor } from "../../../src/storage/cursorStore";

const NOW = Date.parse("2024-01-02T00:00:00Z");

function chunk(seq: number, overrides: Partial<Parameters<typeof passProgress>[1][number]> = {}) {
  return {
    seq,
    exportStatus: "Started" as const,
    processed: false,
    expectedCount: 100,
    totalImportResourceCount: 0,
    totalFailedImportCount: 0,
    ...overrides,
  };
}

describe("passProgress", () => {
  const cursor = { ...emptyCursor(), nextSeq: 6, firstUnprocessedSeq: 3, resourcesImported: 250 };

  it("counts windows before firstUnprocessedSeq and processed listed ones as exported and imported", () => {
    const event = passProgress(
      cursor,
      [
        chunk(3, { processed: true, exportStatus: "Completed" }),
        chunk(4, { exportStatus: "Completed" }),
        chunk(5),
      ],
      1,
      NOW,
      0,
    );
    expect(event.windows).toEqual({ planned: 5, exported: 4, imported: 3 });
    expect(event.exportsInFlight).toBe(1);
    expect(event.jobsInFlight).toBe(3);
  });

  it("expects of open windows what their planned counts say, less what they imported or rejected", () => {
    const event = passProgress(
      cursor,
      [chunk(3, { totalImportResourceCount: 60, totalFailedImportCount: 10 }), chunk(4)],
      0,
      NOW,
      0,
    );
    expect(event.resources).toEqual({ imported: 250, failed: 0, remaining: 130 });
  });

  it("never expects less than nothing of a window that imported more than planned", () => {
    const event = passProgress(cursor, [chunk(3, { totalImportResourceCount: 150 })], 0, NOW, 0);
    expect(event.resources.remaining).toBe(0);
  });

  it("has no estimate before the migration has a pace", () => {
    expect(passProgress(emptyCursor(), [], 0, NOW, 0).estimateSeconds).toBeUndefined();
  });
});

describe("fanOutProgress", () => {
  it("passes each event to every sink in order, skipping absent ones", () => {
    const seen: string[] = [];
    const sink = (name: string): ProgressSink => ({
      emit: (e: ProgressEvent) => void seen.push(`${name}:${e.kind}`),
    });
    fanOutProgress(sink("a"), undefined, sink("b")).emit({
      kind: "phase",
      phase: "caught-up",
      pass: 1,
    });
    expect(seen).toEqual(["a:phase", "b:phase"]);
  });
});
