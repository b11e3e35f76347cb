/**
 * The source data as the product's planning queries see it: how many versions have lastUpdated in
 * [since, till), and the oldest one at or after an instant. Two exact answers from two compact
 * descriptions:
 *
 * - `SortedVersions`: every version's instant (the engine's own data, up to a few million);
 * - `VersionHistogram`: versions per bin of time (an hour by default), each bin's n versions at the
 *   fixed instants start + ⌊i · width / n⌋, i = 0 … n − 1. The data set *is* this description, so
 *   counts and first changes are exact for it (integer arithmetic, no sampling at query time), and a
 *   billion versions over ten years take 87,660 bins.
 *
 * The histogram's shape comes from the synthetic data's law (emulator/harness/syntheticData.ts,
 * bench/versionTimes.ts): a sample of resources drawn by that law is binned, then scaled to the
 * requested number of versions with cumulative rounding, so the total is exact.
 */
import { seededRandom, typeFor } from "../emulator/harness/syntheticData";
import type { DatasetShape } from "./model";
import type { SourceVersion } from "./originalSchedule";

const YEAR_MS = 365.25 * 86_400_000;
export const HOUR_MS = 3_600_000;

export interface VersionSource {
  /** Versions in all. */
  readonly total: number;
  /** Versions with lastUpdated in [sinceMs, tillMs). */
  count(sinceMs: number, tillMs: number): number;
  /** lastUpdated of the oldest version at or after `atMs`, or undefined when there is none. */
  firstAtOrAfter(atMs: number): number | undefined;
  /** lastUpdated of the newest version (undefined: no version). */
  readonly lastAtMs: number | undefined;
  /** Versions of each type in [sinceMs, tillMs) (export files are written per type). */
  countByType(sinceMs: number, tillMs: number): Map<string, number>;
}

function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Every version's instant, sorted: exact answers by binary search. */
export class SortedVersions implements VersionSource {
  private readonly at: Float64Array;
  private readonly typePrefix: Map<string, Uint32Array>;

  constructor(versions: readonly SourceVersion[]) {
    const sorted = [...versions].sort((a, b) => a.atMs - b.atMs);
    this.at = Float64Array.from(sorted, (v) => v.atMs);
    this.typePrefix = new Map();
    for (const type of new Set(sorted.map((v) => v.type))) {
      const prefix = new Uint32Array(sorted.length + 1);
      sorted.forEach((v, i) => {
        prefix[i + 1] = prefix[i]! + (v.type === type ? 1 : 0);
      });
      this.typePrefix.set(type, prefix);
    }
  }

  get total(): number {
    return this.at.length;
  }

  get lastAtMs(): number | undefined {
    return this.at.length === 0 ? undefined : this.at[this.at.length - 1];
  }

  count(sinceMs: number, tillMs: number): number {
    return Math.max(0, lowerBound(this.at, tillMs) - lowerBound(this.at, sinceMs));
  }

  firstAtOrAfter(atMs: number): number | undefined {
    const i = lowerBound(this.at, atMs);
    return i < this.at.length ? this.at[i] : undefined;
  }

  countByType(sinceMs: number, tillMs: number): Map<string, number> {
    const from = lowerBound(this.at, sinceMs);
    const to = lowerBound(this.at, tillMs);
    const counts = new Map<string, number>();
    for (const [type, prefix] of this.typePrefix) {
      const n = prefix[to]! - prefix[from]!;
      if (n > 0) counts.set(type, n);
    }
    return counts;
  }
}

/** Versions per bin of `binMs`, placed at fixed instants inside each bin. */
export class VersionHistogram implements VersionSource {
  private readonly prefix: Float64Array;

  constructor(
    readonly startMs: number,
    readonly binMs: number,
    private readonly bins: Float64Array,
    /** Share of the versions of each type (each window splits its versions by these). */
    readonly typeShares: ReadonlyMap<string, number>,
  ) {
    if (!Number.isInteger(binMs) || binMs < 1) throw new RangeError("binMs must be a whole ms");
    this.prefix = new Float64Array(bins.length + 1);
    for (let b = 0; b < bins.length; b++) {
      const n = bins[b]!;
      if (!Number.isInteger(n) || n < 0) throw new RangeError(`bin ${b} holds ${n} versions`);
      this.prefix[b + 1] = this.prefix[b]! + n;
    }
  }

  get total(): number {
    return this.prefix[this.bins.length]!;
  }

  get endMs(): number {
    return this.startMs + this.bins.length * this.binMs;
  }

  get lastAtMs(): number | undefined {
    for (let b = this.bins.length - 1; b >= 0; b--) {
      const n = this.bins[b]!;
      if (n > 0) return this.startMs + b * this.binMs + Math.floor(((n - 1) * this.binMs) / n);
    }
    return undefined;
  }

  /** Versions stamped before `atMs`: whole bins, then ⌈x · n / width⌉ of the bin holding it. */
  private below(atMs: number): number {
    if (atMs <= this.startMs) return 0;
    const b = Math.floor((atMs - this.startMs) / this.binMs);
    if (b >= this.bins.length) return this.total;
    const n = this.bins[b]!;
    // Stamps are whole ms: below `atMs` is below its ceiling.
    const x = Math.ceil(atMs - (this.startMs + b * this.binMs));
    // start + ⌊i·w/n⌋ < start + x  ⇔  i·w < x·n  ⇔  i < x·n/w (x, n, w whole numbers).
    return this.prefix[b]! + Math.min(n, Math.ceil((x * n) / this.binMs));
  }

  count(sinceMs: number, tillMs: number): number {
    return Math.max(0, this.below(tillMs) - this.below(sinceMs));
  }

  firstAtOrAfter(atMs: number): number | undefined {
    const k = this.below(atMs);
    if (k >= this.total) return undefined;
    // The bin holding the k-th version (0-based): the last b with prefix[b] <= k.
    let lo = 0;
    let hi = this.bins.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.prefix[mid]! <= k) lo = mid;
      else hi = mid - 1;
    }
    const i = k - this.prefix[lo]!;
    return this.startMs + lo * this.binMs + Math.floor((i * this.binMs) / this.bins[lo]!);
  }

  countByType(sinceMs: number, tillMs: number): Map<string, number> {
    return splitByShares(this.count(sinceMs, tillMs), this.typeShares);
  }
}

/** `n` split by `shares` in whole numbers that sum to `n` (largest remainders). */
export function splitByShares(n: number, shares: ReadonlyMap<string, number>): Map<string, number> {
  const parts = [...shares].map(([type, share]) => ({ type, exact: n * share }));
  const result = new Map(parts.map((p) => [p.type, Math.floor(p.exact)]));
  let left = n - [...result.values()].reduce((a, b) => a + b, 0);
  for (const p of [...parts].sort(
    (a, b) => b.exact - Math.floor(b.exact) - (a.exact - Math.floor(a.exact)),
  )) {
    if (left <= 0) break;
    result.set(p.type, result.get(p.type)! + 1);
    left--;
  }
  for (const [type, count] of result) if (count === 0) result.delete(type);
  return result;
}

/** Resources drawn by the synthetic law to give a histogram its shape (more add nothing visible). */
const SAMPLE_RESOURCES = 2_000_000;

/**
 * How resources' creation instants spread over the span: the synthetic data's power law (age =
 * span × u^p, bench/versionTimes.ts), or steady growth (creations per unit of time growing by a
 * constant factor a year, the share in the last two years given).
 */
export type CreationLaw =
  { kind: "power"; ageExponent: number } | { kind: "growth"; recentShare: number };

/** Growth rate per year that puts `share` of the creations of `years` years in the last two. */
export function growthPerYear(years: number, share: number): number {
  const recent = (g: number) =>
    (Math.exp(g * years) - Math.exp(g * (years - 2))) / Math.expm1(g * years);
  // recent(g) rises from 2 / years (g → 0) towards 1.
  if (share <= 2 / years) return 1e-9;
  let lo = 1e-9;
  let hi = 50;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (recent(mid) < share) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** A creation's age as a share of the span, for a uniform draw `u`. */
function ageShare(law: CreationLaw, years: number): (u: number) => number {
  if (law.kind === "power") return (u) => u ** law.ageExponent;
  const g = growthPerYear(years, law.recentShare) * years;
  // Creation time t/span has density ∝ e^{g·t}: t = ln(1 + u·(e^g − 1)) / g; age = 1 − t.
  return (u) => 1 - Math.log1p(u * Math.expm1(g)) / g;
}

/**
 * A histogram of `versions` versions over `shape.years` years ending at `endMs`, resources created
 * by `law` (default: the synthetic data's power law with `shape.ageExponent`), then as in
 * bench/versionTimes.ts: 15 % of resources updated one to three times, 3 % of non-Patient
 * resources soft-deleted.
 */
export function histogramFor(
  shape: Pick<DatasetShape, "years" | "seed" | "ageExponent">,
  versions: number,
  endMs: number,
  binMs = HOUR_MS,
  law: CreationLaw = { kind: "power", ageExponent: shape.ageExponent ?? 3 },
): VersionHistogram {
  if (!Number.isInteger(versions) || versions < 1)
    throw new RangeError(`a histogram needs a whole number of versions ≥ 1, got ${versions}`);
  const random = seededRandom(shape.seed);
  const spanMs = shape.years * YEAR_MS;
  const startMs = Math.floor((endMs - spanMs) / binMs) * binMs;
  const bins = new Float64Array(Math.ceil((endMs - startMs) / binMs));
  const age = ageShare(law, shape.years);
  const byType = new Map<string, number>();
  let sampled = 0;
  const add = (atMs: number, type: string): void => {
    const b = Math.min(bins.length - 1, Math.floor((atMs - startMs) / binMs));
    bins[b]!++;
    byType.set(type, (byType.get(type) ?? 0) + 1);
    sampled++;
  };
  for (let n = 0; n < SAMPLE_RESOURCES; n++) {
    const at = Math.max(endMs - spanMs, Math.floor(endMs - spanMs * age(random()) - 1));
    const type = n === 0 ? "Patient" : typeFor(random);
    add(at, type);
    let last = at;
    if (random() < 0.15) {
      const updates = 1 + Math.floor(random() * 3);
      for (let u = 0; u < updates; u++) {
        last = last + 1 + Math.floor(random() * (endMs - last - 1) * 0.5);
        add(last, type);
      }
    }
    if (type !== "Patient" && random() < 0.03)
      add(last + 1 + Math.floor(random() * (endMs - last - 1) * 0.5), type);
  }
  // Scale to `versions` with cumulative rounding: bin b holds round(V·S_b/S) − round(V·S_{b−1}/S).
  const scaled = new Float64Array(bins.length);
  let cumulative = 0;
  let placed = 0;
  for (let b = 0; b < bins.length; b++) {
    cumulative += bins[b]!;
    const upTo = Math.round((versions * cumulative) / sampled);
    scaled[b] = upTo - placed;
    placed = upTo;
  }
  const shares = new Map([...byType].map(([type, n]) => [type, n / sampled]));
  return new VersionHistogram(startMs, binMs, scaled, shares);
}
