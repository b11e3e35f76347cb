/**
 * Orchestration helpers shared by the verification's fan-outs (no I/O: they yield tasks).
 *
 * A hop queue holds, per type, the input of its next hop (an activity that reads a bounded number of
 * pages and hands back a cursor) until its hop says done. It is plain data, so it crosses
 * continue-as-new with the rest of an orchestration's state: what one type carries is its cursor and
 * running totals, never what it read.
 */
import type { OrchestrationContext, Task } from "durable-functions";
import type { VerificationActivityTaking } from "./activityRegistry";
import type { RowTally } from "./runSummary";
import { tallyRow, tallyRows } from "./runSummary";

/** The i-th of `width` shares of `total` (shares differ by at most one and add up to total). */
export function share(total: number, width: number, i: number): number {
  return Math.max(1, Math.floor(total / width) + (i < total % width ? 1 : 0));
}

export interface HopQueue<I, R> {
  /** Types whose next hop is still to run, in turn. */
  pending: { index: number; input: I }[];
  /** The last hop's result of every type that is done, by index (null until then). */
  finished: (R | null)[];
}

export function hopQueue<I, R>(inputs: I[]): HopQueue<I, R> {
  return {
    pending: inputs.map((input, index) => ({ index, input })),
    finished: inputs.map(() => null),
  };
}

/**
 * Runs one wave of the queue: the next `bound` hops at once, each with its share of the bound as its
 * concurrency. A hop that is not done stays at the front of the queue, in its place, with the input
 * `next` makes from its result: at most `bound` types are under way at once, so the cursors the
 * queue carries across continue-as-new are at most `bound`. Returns the wave's results (for
 * folding) in wave order.
 */
export function* hopWave<I, R extends { done: boolean }>(
  context: OrchestrationContext,
  name: VerificationActivityTaking<I>,
  queue: HopQueue<I, R>,
  bound: number,
  next: (input: I, result: R) => I,
  withShare: (input: I, share: number) => I,
): Generator<Task, R[], R[]> {
  const wave = queue.pending.slice(0, bound);
  const out: R[] = yield context.df.Task.all(
    wave.map((p, n) =>
      context.df.callActivity(name, withShare(p.input, share(bound, wave.length, n))),
    ),
  );
  const going: { index: number; input: I }[] = [];
  wave.forEach((p, n) => {
    const r = out[n]!;
    if (r.done) queue.finished[p.index] = r;
    else going.push({ index: p.index, input: next(p.input, r) });
  });
  queue.pending = [...going, ...queue.pending.slice(bound)];
  return out;
}

/** Adds one tally of rows to another (in place). */
export function addRows(into: RowTally, rows: RowTally): void {
  const listed: Record<string, number> = {};
  for (const p of rows.problems) {
    tallyRow(into, p);
    listed[p.result] = (listed[p.result] ?? 0) + 1;
  }
  for (const [result, n] of Object.entries(rows.results))
    tallyRows(into, result, n - (listed[result] ?? 0));
}
