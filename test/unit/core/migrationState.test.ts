import { describe, expect, it } from "vitest";
import { chunkKey, computeWatermark, payloadKey } from "../../../src/core/migrationState";

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
