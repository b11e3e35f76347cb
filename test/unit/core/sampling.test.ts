import { describe, expect, it } from "vitest";
import { BottomKSample, allocateSample, sampleKey } from "../../../src/core/sampling";

const ids = Array.from({ length: 500 }, (_, i) => `id-${i}`);

function sampleOf(seed: string, stream: readonly string[], size: number): string[] {
  const sample = new BottomKSample(size);
  for (const id of stream) sample.offer({ id, key: sampleKey(seed, "Patient", id) });
  return sample.candidates().map((c) => c.id);
}

describe("sampleKey", () => {
  it("is the same for the same seed, type and id", () => {
    expect(sampleKey("s1", "Patient", "a")).toBe(sampleKey("s1", "Patient", "a"));
  });

  it("differs between seeds and between types", () => {
    expect(sampleKey("s1", "Patient", "a")).not.toBe(sampleKey("s2", "Patient", "a"));
    expect(sampleKey("s1", "Patient", "a")).not.toBe(sampleKey("s1", "Observation", "a"));
  });

  it("lies in [0, 2^52)", () => {
    for (const id of ids.slice(0, 50)) {
      const k = sampleKey("x", "Patient", id);
      expect(k).toBeGreaterThanOrEqual(0);
      expect(k).toBeLessThan(2 ** 52);
    }
  });
});

describe("BottomKSample", () => {
  it("gives the same sample for the same seed whatever the paging order", () => {
    const shuffled = [...ids].reverse();
    expect(sampleOf("seed-a", shuffled, 20)).toEqual(sampleOf("seed-a", ids, 20));
  });

  it("gives a different sample for another seed", () => {
    expect(sampleOf("seed-b", ids, 20)).not.toEqual(sampleOf("seed-a", ids, 20));
  });

  it("never holds more than its capacity", () => {
    expect(sampleOf("seed-a", ids, 20)).toHaveLength(20);
  });

  it("holds everything when the stream is smaller than the capacity", () => {
    expect(sampleOf("seed-a", ids.slice(0, 5), 20).sort()).toEqual(ids.slice(0, 5).sort());
  });

  it("counts an id seen several times (one per version) once", () => {
    const withVersions = ids.flatMap((id) => [id, id, id]);
    expect(sampleOf("seed-a", withVersions, 20)).toEqual(sampleOf("seed-a", ids, 20));
  });

  it("keeps the ids with the smallest keys", () => {
    const expected = [...ids]
      .sort((a, b) => sampleKey("k", "Patient", a) - sampleKey("k", "Patient", b))
      .slice(0, 10);
    expect(sampleOf("k", ids, 10)).toEqual(expected);
  });

  it("resumes from its stored candidates with the same result", () => {
    const first = new BottomKSample(15);
    for (const id of ids.slice(0, 250)) first.offer({ id, key: sampleKey("r", "Patient", id) });
    const resumed = BottomKSample.restore(15, first.candidates());
    for (const id of ids.slice(250)) resumed.offer({ id, key: sampleKey("r", "Patient", id) });
    expect(resumed.candidates().map((c) => c.id)).toEqual(sampleOf("r", ids, 15));
  });

  it("holds nothing with capacity 0", () => {
    expect(sampleOf("seed-a", ids, 0)).toEqual([]);
  });

  it("rejects a negative capacity", () => {
    expect(() => new BottomKSample(-1)).toThrow(/whole number ≥ 0/);
  });
});

describe("allocateSample", () => {
  const sizes = (w: { type: string; count: number }[], total: number) =>
    Object.fromEntries(allocateSample(w, total).map((a) => [a.type, a.size]));

  it("splits the total in proportion to the counts", () => {
    expect(
      sizes(
        [
          { type: "Observation", count: 7001 },
          { type: "Patient", count: 2001 },
          { type: "Encounter", count: 1001 },
        ],
        103,
      ),
    ).toEqual({ Observation: 71, Patient: 21, Encounter: 11 });
  });

  it("adds up to the total exactly", () => {
    const weights = [
      { type: "A", count: 333 },
      { type: "B", count: 333 },
      { type: "C", count: 334 },
    ];
    const total = allocateSample(weights, 100).reduce((s, a) => s + a.size, 0);
    expect(total).toBe(100);
  });

  it("gives every non-empty type at least one when the total allows", () => {
    expect(
      sizes(
        [
          { type: "Observation", count: 1_000_000 },
          { type: "Flag", count: 1 },
          { type: "Device", count: 3 },
        ],
        10,
      ),
    ).toEqual({ Observation: 8, Flag: 1, Device: 1 });
  });

  it("gives the largest types one each when the total is smaller than the number of types", () => {
    expect(
      sizes(
        [
          { type: "A", count: 5 },
          { type: "B", count: 50 },
          { type: "C", count: 20 },
        ],
        2,
      ),
    ).toEqual({ A: 0, B: 1, C: 1 });
  });

  it("never gives a type more than it holds", () => {
    expect(
      sizes(
        [
          { type: "A", count: 2 },
          { type: "B", count: 3 },
        ],
        100,
      ),
    ).toEqual({ A: 2, B: 3 });
  });

  it("gives empty types nothing", () => {
    expect(
      sizes(
        [
          { type: "A", count: 0 },
          { type: "B", count: 10 },
        ],
        5,
      ),
    ).toEqual({ A: 0, B: 5 });
  });

  it("stays exact with counts whose product with the total exceeds 2^53", () => {
    // One each, then 1,000,000 shared 9:1 by (count - 1); 10^6 * 9 * 10^10 is far above 2^53.
    const result = allocateSample(
      [
        { type: "A", count: 90_000_000_001 },
        { type: "B", count: 10_000_000_001 },
      ],
      1_000_002,
    );
    expect(result.map((r) => r.size)).toEqual([900_001, 100_001]);
  });

  it("rejects a negative total", () => {
    expect(() => allocateSample([], -1)).toThrow(/whole number ≥ 0/);
  });
});
