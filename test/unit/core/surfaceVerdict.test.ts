import { describe, expect, it } from "vitest";
import type { PerTypeTotals } from "../../../src/core/surfaceVerdict";
import {
  decideSurfaceVerdict,
  decideTotalVerdict,
  needsWatermarkCounts,
  worstVerdict,
} from "../../../src/core/surfaceVerdict";

const W = "2025-03-01T00:00:00.000Z";

describe("decideSurfaceVerdict", () => {
  it("passes equal counts", () => {
    expect(decideSurfaceVerdict("search", 10, 10, W, undefined).verdict).toBe("Pass");
  });

  it("fails a difference when there is no watermark yet", () => {
    const d = decideSurfaceVerdict("search", 10, 9, undefined, undefined);
    expect(d.verdict).toBe("Fail");
    expect(d.reason).toMatch(/1 resource fewer.*no watermark/);
  });

  describe("search scope", () => {
    it("is Behind when resources were created after the watermark", () => {
      // 2 created after W; both sides agree before W.
      const d = decideSurfaceVerdict("search", 12, 10, W, {
        sourceBefore: 10,
        destinationBefore: 10,
        sourceChangedSince: 2,
      });
      expect(d.verdict).toBe("Behind");
      expect(d.reason).toContain(W);
    });

    it("is Behind for one creation and one update after the watermark", () => {
      // Source: 10 before W, 1 updated after W (so 9 current before W), 1 created after W.
      // Destination still holds the updated one's old version: 10 current, all before W.
      const d = decideSurfaceVerdict("search", 11, 10, W, {
        sourceBefore: 9,
        destinationBefore: 10,
        sourceChangedSince: 2,
      });
      expect(d.verdict).toBe("Behind");
    });

    it("is Behind when a resource was deleted after the watermark", () => {
      const d = decideSurfaceVerdict("search", 9, 10, W, {
        sourceBefore: 9,
        destinationBefore: 10,
        sourceChangedSince: 1,
      });
      expect(d.verdict).toBe("Behind");
    });

    it("fails a resource missing before the watermark", () => {
      const d = decideSurfaceVerdict("search", 12, 9, W, {
        sourceBefore: 10,
        destinationBefore: 9,
        sourceChangedSince: 2,
      });
      expect(d.verdict).toBe("Fail");
      expect(d.reason).toMatch(/before it: source 10, destination 9/);
    });

    it("fails extra resources that newer source changes cannot explain", () => {
      const d = decideSurfaceVerdict("search", 10, 13, W, {
        sourceBefore: 10,
        destinationBefore: 13,
        sourceChangedSince: 1,
      });
      expect(d.verdict).toBe("Fail");
    });

    it("fails when nothing changed on the source since the watermark", () => {
      const d = decideSurfaceVerdict("search", 10, 9, W, {
        sourceBefore: 10,
        destinationBefore: 9,
        sourceChangedSince: 0,
      });
      expect(d.verdict).toBe("Fail");
    });
  });

  describe("history scope", () => {
    it("is Behind when the versions before the watermark agree and the source has newer ones", () => {
      const d = decideSurfaceVerdict("history", 30, 25, W, {
        sourceBefore: 25,
        destinationBefore: 25,
      });
      expect(d.verdict).toBe("Behind");
      expect(d.reason).toMatch(/5 versions fewer/);
    });

    it("is Behind when the destination already has some of the newer versions", () => {
      const d = decideSurfaceVerdict("history", 30, 27, W, {
        sourceBefore: 25,
        destinationBefore: 25,
      });
      expect(d.verdict).toBe("Behind");
    });

    it("fails when versions before the watermark differ", () => {
      const d = decideSurfaceVerdict("history", 30, 29, W, {
        sourceBefore: 25,
        destinationBefore: 24,
      });
      expect(d.verdict).toBe("Fail");
    });

    it("fails when the destination has more newer versions than the source", () => {
      const d = decideSurfaceVerdict("history", 25, 26, W, {
        sourceBefore: 25,
        destinationBefore: 25,
      });
      expect(d.verdict).toBe("Fail");
    });
  });
});

describe("needsWatermarkCounts", () => {
  it("asks for bounded counts only for a difference with a watermark", () => {
    expect(needsWatermarkCounts(1, 2, W)).toBe(true);
    expect(needsWatermarkCounts(2, 2, W)).toBe(false);
    expect(needsWatermarkCounts(1, 2, undefined)).toBe(false);
  });
});

describe("worstVerdict", () => {
  it("orders Error > Fail > Behind > Pass", () => {
    expect(worstVerdict([])).toBe("Pass");
    expect(worstVerdict(["Pass", "Behind"])).toBe("Behind");
    expect(worstVerdict(["Behind", "Fail", "Pass"])).toBe("Fail");
    expect(worstVerdict(["Fail", "Error"])).toBe("Error");
  });
});

describe("decideTotalVerdict (the system-level total against the per-type rows)", () => {
  const perType = (over: Partial<PerTypeTotals> = {}): PerTypeTotals => ({
    source: 100,
    destination: 100,
    uncounted: [],
    anyBehind: false,
    typeSelection: "discovered",
    ...over,
  });

  it("passes equal totals that match the per-type sums", () => {
    expect(decideTotalVerdict(100, 100, perType())).toEqual({
      verdict: "Pass",
      reason: "the totals are equal",
    });
  });

  it("fails a difference of the totals that the per-type rows do not show (a type discovery missed)", () => {
    expect(decideTotalVerdict(105, 100, perType()).verdict).toBe("Fail");
  });

  it("names the requested types as the place of an unexplained difference", () => {
    expect(decideTotalVerdict(105, 100, perType({ typeSelection: "requested" })).reason).toContain(
      "only the requested types were checked",
    );
  });

  it("fails a difference that is exactly the per-type rows' while the source is quiet", () => {
    expect(decideTotalVerdict(100, 99, perType({ destination: 99 })).verdict).toBe("Fail");
  });

  it("passes a difference that is exactly the per-type rows' when they all passed (known failures)", () => {
    const decision = decideTotalVerdict(
      100,
      98,
      perType({ destination: 98, explainedByTypes: true }),
    );
    expect(decision.verdict).toBe("Pass");
    expect(decision.reason).toContain("known failures, not migrated");
  });

  it("still fails a difference outside the per-type rows even when they all passed", () => {
    expect(
      decideTotalVerdict(100, 97, perType({ destination: 98, explainedByTypes: true })).verdict,
    ).toBe("Fail");
  });

  it("is Behind when the per-type rows are Behind and explain the difference", () => {
    expect(decideTotalVerdict(100, 99, perType({ destination: 99, anyBehind: true })).verdict).toBe(
      "Behind",
    );
  });

  it("is Behind, asking to count again, when a live source moved the counts between requests", () => {
    const decision = decideTotalVerdict(103, 100, perType({ anyBehind: true }));
    expect([decision.verdict, decision.reason.includes("count again")]).toEqual(["Behind", true]);
  });

  it("passes equal totals when types outside the per-type rows are equal too, and says so", () => {
    expect(decideTotalVerdict(120, 120, perType({ typeSelection: "requested" })).reason).toBe(
      "the totals are equal; types outside the per-type rows hold 20 on the source and 20 on the destination",
    );
  });

  it("is Error when some type could not be counted", () => {
    expect(decideTotalVerdict(100, 100, perType({ uncounted: ["Patient"] })).verdict).toBe("Error");
  });
});
