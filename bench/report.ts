/**
 * The benchmark's rows: one measured figure each, with its target when it has one. A missed target
 * is reported, never thrown: the run's exit code only says whether the benchmark itself worked.
 */
import { printTable } from "../demo/table";

export interface Target {
  /** The figure must be at most (`max`) or at least (`min`) `value`. */
  kind: "max" | "min";
  value: number;
  text: string;
}

export interface Row {
  benchmark: string;
  figure: string;
  value: number;
  unit: string;
  shown: string;
  target?: Target;
  note?: string;
}

export function verdict(row: Row): "met" | "MISSED" | "" {
  if (row.target === undefined) return "";
  const ok =
    row.target.kind === "max" ? row.value <= row.target.value : row.value >= row.target.value;
  return ok ? "met" : "MISSED";
}

export function hours(ms: number): string {
  return `${(ms / 3_600_000).toFixed(2)} h`;
}

export function minutes(ms: number): string {
  return `${(ms / 60_000).toFixed(1)} min`;
}

/**
 * The p50 and p95 rows of a simulated duration, the target on the p95 (a missing percentile
 * shows as NaN and misses the target).
 */
export function percentileRows(
  benchmark: string,
  what: string,
  p: { p50Ms?: number; p95Ms?: number },
  target: { ms: number; text: string },
  note: string,
): Row[] {
  return [
    {
      benchmark,
      figure: `${what}, p50`,
      value: p.p50Ms ?? Number.NaN,
      unit: "ms",
      shown: minutes(p.p50Ms ?? Number.NaN),
    },
    {
      benchmark,
      figure: `${what}, p95`,
      value: p.p95Ms ?? Number.POSITIVE_INFINITY,
      unit: "ms",
      shown: minutes(p.p95Ms ?? Number.NaN),
      target: { kind: "max", value: target.ms, text: target.text },
      note,
    },
  ];
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

export function times(ratio: number): string {
  return `${ratio.toFixed(2)}×`;
}

export function printRows(rows: readonly Row[], write: (line: string) => void): void {
  printTable(
    ["Benchmark", "Figure", "Measured", "Target", "Result"],
    rows.map((r) => [r.benchmark, r.figure, r.shown, r.target?.text ?? "", verdict(r)]),
    write,
  );
  const notes = rows.filter((r) => r.note !== undefined);
  if (notes.length > 0) {
    write("");
    for (const r of notes) write(`${r.benchmark} / ${r.figure}: ${r.note}`);
  }
}
