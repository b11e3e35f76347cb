/** Benchmark 1's rows: one group per scenario (bench/catchUp.ts). */
import type { ScenarioResult } from "./catchUp";
import type { Row } from "./report";
import { hours, minutes, times } from "./report";

/** At least this much faster than the original's schedule on the ten-year scenarios. */
export const SPEEDUP_TARGET = 20;
/** At most this much slower than the best plan, on every scenario. */
export const BEST_PLAN_TARGET = 1.15;

function duration(ms: number): string {
  return ms >= 2 * 3_600_000 ? hours(ms) : minutes(ms);
}

export function catchUpRows(r: ScenarioResult): Row[] {
  const b = `1 Catch-up, ${r.name}`;
  const { catchUp: c, engine, model } = r;
  const source =
    c.from === "engine"
      ? "engine on the virtual clock"
      : `schedule model, ${model!.resources.toLocaleString("en-US")} resources`;
  const rows: Row[] = [
    {
      benchmark: b,
      figure: `this project (${source})`,
      value: c.projectMs,
      unit: "ms",
      shown: duration(c.projectMs),
    },
    {
      benchmark: b,
      figure: "original tool's schedule",
      value: c.originalMs,
      unit: "ms",
      shown: duration(c.originalMs),
    },
    {
      benchmark: b,
      figure: "speed-up over the original schedule",
      value: c.speedupVsOriginal,
      unit: "ratio",
      shown: times(c.speedupVsOriginal),
      ...(r.tenYears
        ? { target: { kind: "min", value: SPEEDUP_TARGET, text: `≥ ${SPEEDUP_TARGET}×` } }
        : {}),
    },
    {
      benchmark: b,
      figure: "best plan (lower bound over every plan)",
      value: c.bestPlanMs,
      unit: "ms",
      shown: duration(c.bestPlanMs),
    },
    {
      benchmark: b,
      figure: "overhead over the best plan",
      value: c.overheadVsBestPlan,
      unit: "ratio",
      shown: times(c.overheadVsBestPlan),
      target: { kind: "max", value: BEST_PLAN_TARGET, text: `≤ ${BEST_PLAN_TARGET}×` },
      note: planNote(r),
    },
  ];
  if (engine !== undefined) {
    const replica =
      engine.scale === 1
        ? "full size"
        : `scaled replica, 1/${engine.scale.toFixed(0)} of the resources with per-version times ×${engine.scale.toFixed(0)}`;
    rows.push({
      benchmark: b,
      figure: `engine run (${replica}): every source version on the destination`,
      value: engine.complete ? 1 : 0,
      unit: "boolean",
      shown: engine.complete ? "yes" : `no: ${engine.problems.slice(0, 3).join("; ")}`,
      target: { kind: "min", value: 1, text: "yes" },
      note: engineNote(r),
    });
  }
  return rows;
}

function planNote(r: ScenarioResult): string {
  const f = r.catchUp.from === "engine" ? r.engine! : r.model!;
  const parts = [
    `${f.versions.toLocaleString("en-US")} versions (${f.importable.toLocaleString("en-US")} importable), ${f.windows} windows planned`,
    `the same windows with zero overhead ${duration(f.zeroOverheadMs)}`,
    `best plan bound by ${f.bestPlanBinding}; best concrete plan found ${duration(f.bestFoundMs)} in ${f.bestFoundWindows} windows (${times(r.catchUp.projectMs / f.bestFoundMs)} over it)`,
    `original: ${f.originalWindows} windows`,
  ];
  if (r.model !== undefined && r.catchUp.from === "model")
    parts.push(`${r.model.planningQueries} planning queries to the source`);
  return parts.join("; ");
}

function engineNote(r: ScenarioResult): string {
  const e = r.engine!;
  return [
    `${e.resources.toLocaleString("en-US")} resources, ${e.versions.toLocaleString("en-US")} versions; this project ${duration(e.projectMs)} in ${e.windows} windows (the pure planner plans ${e.pureWindows} on the same data)`,
    `schedule model of these windows ${duration(e.modelOfRunMs)} (${times(e.projectMs / e.modelOfRunMs)} measured over modelled)`,
    `original ${duration(e.originalMs)} (${times(e.originalMs / e.projectMs)}), best plan ${duration(e.bestPlanMs)} (${times(e.projectMs / e.bestPlanMs)})`,
    `${e.realSeconds.toFixed(0)} s real time`,
  ].join("; ");
}
