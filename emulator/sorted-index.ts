/**
 * Versions ordered by (lastUpdated, insertion sequence): the server's surrogate-id order, which
 * search paging, history and `_lastUpdated` ranges follow. Appends (the common case) are O(1).
 */
import type { StoredVersion } from "./stored-version";

export interface OrderKey {
  ms: number;
  seq: number;
}

export function compareKey(a: OrderKey, b: OrderKey): number {
  return a.ms - b.ms || a.seq - b.seq;
}

export function keyOf(v: StoredVersion): OrderKey {
  return { ms: v.lastUpdatedMs, seq: v.seq };
}

export class SortedIndex {
  private readonly items: StoredVersion[] = [];

  get size(): number {
    return this.items.length;
  }

  at(i: number): StoredVersion | undefined {
    return this.items[i];
  }

  toArray(): StoredVersion[] {
    return [...this.items];
  }

  insert(v: StoredVersion): void {
    const last = this.items[this.items.length - 1];
    if (last === undefined || compareKey(keyOf(last), keyOf(v)) < 0) {
      this.items.push(v);
      return;
    }
    this.items.splice(this.firstAfter(keyOf(v)), 0, v);
  }

  remove(v: StoredVersion): void {
    const i = this.firstAtOrAfter(keyOf(v));
    if (this.items[i] === v) this.items.splice(i, 1);
  }

  /** First index whose key is >= key. */
  firstAtOrAfter(key: OrderKey): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKey(keyOf(this.items[mid] as StoredVersion), key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index whose key is > key. */
  firstAfter(key: OrderKey): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKey(keyOf(this.items[mid] as StoredVersion), key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index whose lastUpdated is >= ms. */
  firstAtOrAfterMs(ms: number): number {
    return this.firstAtOrAfter({ ms, seq: -Infinity });
  }
}
