import { describe, expect, it } from "vitest";
import {
  chunkKey,
  computeWatermark,
  payloadKey,
  plannedChunk,
  settledChunk,
} from "../../../src/core/migrationState";

describe("computeWatermark", () => {
  it("is the frontier when every chunk is processed", () => {
    expect(computeWatermark("2024-02-01T00:00:00.000Z", [])).toBe("2024-02-01T00:00:00.000Z");
  });

  it("never passes the oldest unfinished window", () => {
    expect(
      computeWatermark("2024-03-01T00:00:00.000Z", [
        { since: "2024-02-01T00:00:00.000Z" },
        { since: "2024-01-01T00:00:00.000Z" },
      ]),
    ).toBe("2024-01-01T00:00:00.000Z");
  });
});

describe("keys", () => {
  it("sort in planning order", () => {
    expect([chunkKey(10), chunkKey(9)].sort()).toEqual(["00000009", "00000010"]);
    expect(payloadKey(3, 12)).toBe("00000003-p0012");
  });
});

describe("settledChunk", () => {
  const chunk = {
    ...plannedChunk({
      seq: 3,
      since: "2024-01-01T00:00:00.000Z",
      till: "2024-01-02T00:00:00.000Z",
      resourceType: undefined,
      expectedCount: 9,
    }),
    exportStatus: "Completed" as const,
    importStatus: "Running" as const,
    payloadCount: 2,
  };
  const done = (importedCount: number) => ({
    status: "Completed" as const,
    importedCount,
    failedCount: 0,
  });
  const END = "2024-01-03T00:00:00.000Z";

  it("processes the chunk when every payload row is completed, with their sum", () => {
    expect(settledChunk(chunk, [done(4), done(5)], END)).toMatchObject({
      processed: true,
      importStatus: "Completed",
      completedCount: 2,
      totalImportResourceCount: 9,
      endTime: END,
    });
  });

  it("keeps it open while any payload row is not completed, even past its payload count", () => {
    const settled = settledChunk(
      chunk,
      [
        done(4),
        done(5),
        done(3),
        { status: "Pending", importedCount: undefined, failedCount: undefined },
      ],
      END,
    );
    expect(settled).toMatchObject({
      processed: false,
      completedCount: 3,
      totalImportResourceCount: 12,
    });
  });

  it("keeps it open before its payload count is known", () => {
    expect(settledChunk({ ...chunk, payloadCount: undefined }, [done(4)], END)).toMatchObject({
      processed: false,
      completedCount: 1,
    });
  });

  it("changes nothing when the rows say nothing new", () => {
    expect(settledChunk({ ...chunk, completedCount: 1 }, [done(4)], END)).toBeUndefined();
  });
});
