/**
 * The deep check's reproducible random sample.
 *
 * Each resource gets a pseudo-random key from a hash of (seed, type, id), and a type's sample is
 * the `size` ids with the smallest keys (bottom-k sampling, a reservoir whose eviction order is
 * fixed by the hash). Compared with a classic reservoir (Algorithm R) this has three properties the
 * check needs: the sample depends only on the seed and the set of ids, not on the order the server
 * pages them in, so the same seed on the same data gives the same sample; an id seen twice (one per
 * version in `_history`) is one candidate, so resources with many versions are not favoured; and
 * the state is just the `size` best candidates, so memory is bounded whatever the type's size.
 */
import { createHash } from "node:crypto";

export interface SampleCandidate {
  id: string;
  /** In [0, 2^52). */
  key: number;
}

/** Seeds: letters, digits, `-` and `_`, 1 to 64 characters (they go into logs and table rows). */
export const SEED_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** A uniform key in [0, 2^52) for one resource under one seed. */
export function sampleKey(seed: string, type: string, id: string): number {
  const digest = createHash("sha256").update(`${seed}\u0000${type}\u0000${id}`).digest("hex");
  return Number.parseInt(digest.slice(0, 13), 16);
}

function before(a: SampleCandidate, b: SampleCandidate): boolean {
  return a.key < b.key || (a.key === b.key && a.id < b.id);
}

/** The `capacity` candidates with the smallest keys seen so far (a max-heap on the key). */
export class BottomKSample {
  private readonly heap: SampleCandidate[] = [];
  private readonly ids = new Set<string>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`A sample size must be a whole number ≥ 0, got ${capacity}`);
    }
  }

  static restore(capacity: number, candidates: readonly SampleCandidate[]): BottomKSample {
    const sample = new BottomKSample(capacity);
    for (const c of candidates) sample.offer(c);
    return sample;
  }

  get size(): number {
    return this.heap.length;
  }

  /** True when the candidate is (now) in the sample. */
  offer(candidate: SampleCandidate): boolean {
    if (this.capacity === 0) return false;
    if (this.ids.has(candidate.id)) return true;
    if (this.heap.length < this.capacity) {
      this.heap.push(candidate);
      this.ids.add(candidate.id);
      this.siftUp(this.heap.length - 1);
      return true;
    }
    const largest = this.heap[0]!;
    if (!before(candidate, largest)) return false;
    this.ids.delete(largest.id);
    this.heap[0] = candidate;
    this.ids.add(candidate.id);
    this.siftDown(0);
    return true;
  }

  /** The sample, smallest key first (a stable order for batching the comparisons). */
  candidates(): SampleCandidate[] {
    return [...this.heap].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  }

  private siftUp(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[parent]!, h[i]!)) return;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let largest = i;
      if (l < h.length && before(h[largest]!, h[l]!)) largest = l;
      if (r < h.length && before(h[largest]!, h[r]!)) largest = r;
      if (largest === i) return;
      [h[largest], h[i]] = [h[i]!, h[largest]!];
      i = largest;
    }
  }
}

export interface TypeWeight {
  type: string;
  /** Resources of the type on the source (versions, when history is migrated). */
  count: number;
}

export interface TypeAllocation extends TypeWeight {
  size: number;
}

/**
 * Splits `total` samples across types in proportion to their counts, never more than a type holds.
 * When `total` allows, every non-empty type gets at least one (a small type is then still looked
 * at); the rest is shared in proportion to (count - 1) by largest remainder, which keeps every
 * share within its type's count. When `total` is smaller than the number of non-empty types, the
 * largest types get one each. Exact integer arithmetic: counts can exceed 2^53 / total.
 */
export function allocateSample(weights: readonly TypeWeight[], total: number): TypeAllocation[] {
  if (!Number.isInteger(total) || total < 0) {
    throw new RangeError(`The deep check size must be a whole number ≥ 0, got ${total}`);
  }
  const sizes = new Map<string, number>();
  const nonEmpty = weights.filter((w) => w.count > 0);
  const all = nonEmpty.reduce((s, w) => s + w.count, 0);
  const byCountDesc = [...nonEmpty].sort((a, b) => b.count - a.count || cmp(a.type, b.type));
  if (total >= all) {
    for (const w of nonEmpty) sizes.set(w.type, w.count);
  } else if (total < nonEmpty.length) {
    for (const w of byCountDesc.slice(0, total)) sizes.set(w.type, 1);
  } else {
    const extra = BigInt(total - nonEmpty.length);
    const pool = BigInt(all - nonEmpty.length);
    const shares = nonEmpty.map((w) => {
      const scaled = extra * BigInt(w.count - 1);
      return { w, floor: scaled / pool, remainder: scaled % pool };
    });
    let left = extra - shares.reduce((s, x) => s + x.floor, 0n);
    const order = [...shares].sort((a, b) =>
      a.remainder !== b.remainder
        ? a.remainder > b.remainder
          ? -1
          : 1
        : b.w.count - a.w.count || cmp(a.w.type, b.w.type),
    );
    const bonus = new Set<string>();
    for (const s of order) {
      if (left <= 0n) break;
      bonus.add(s.w.type);
      left -= 1n;
    }
    for (const s of shares) {
      sizes.set(s.w.type, 1 + Number(s.floor) + (bonus.has(s.w.type) ? 1 : 0));
    }
  }
  return weights.map((w) => ({ ...w, size: sizes.get(w.type) ?? 0 }));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
