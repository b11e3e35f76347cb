/** Benchmark 1's rows: one group per scenario (bench/catchUp.ts), one for the scale rows (bench/scale.ts). */
import type { ScenarioResult } from "./catchUp";
import type { Row } from "./report";
import { hours, minutes, times } from "./report";
import type { ScaleRow } from "./scale";

/** At least this much faster than the original's schedule on the ten-year scenarios. */
export const SPEEDUP_TARGET = 20;
/** At most this much slower than the best plan, on every scenario. */
export const BEST_PLAN_TARGET = 1.15;
/** Planning requests per window, on average. */
export const PLANNING_REQUESTS_TARGET = 8;
/** The Functions host's timeout for one activity call (host.json functionTimeout). */
export const ACTIVITY_LIMIT_MS = 10 * 60_000;
/** The engine and the pass model on the same replica agree within this. */
export const AGREEMENT_MS = 60_000;

function duration(ms: number): string {
  return ms >= 2 * 3_600_000 ? hours(ms) : minutes(ms);
}

export function catchUpRows(r: ScenarioResult): Row[] {
  const b = `1 Catch-up, ${r.name}`;
  const { catchUp: c, engine, model, conditions: k } = r;
  const servers =
    k.servers === "cited"
      ? `cited servers, import ${k.importRate.toLocaleString("en-US")}/s, export ${k.exportRate.toLocaleString("en-US")}/s, requests "${k.requestLatency}"`
      : "legacy fixed job latency, requests free";
  const rows: Row[] = [
    {
      benchmark: b,
      figure: `this project (pass model, ${model.versions.toLocaleString("en-US")} versions, ${servers})`,
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
      note: `the best plan would be ${times(c.originalMs / c.bestPlanMs)} faster than the original`,
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
      note: `${model.windows} windows (${model.exportJobs} exported, ${model.selfStaged} self-staged), ${model.importJobs} import jobs, ${model.planningRequests} planning requests (${(model.planningRequests / Math.max(1, model.windows)).toFixed(1)} per window); destination busy ${(100 * model.destinationBusyShare).toFixed(0)} % of the time; best plan bound by ${model.bestPlanBinding}; original: ${model.originalWindows} windows`,
    },
  ];
  if (engine !== undefined) {
    const replica =
      engine.scale === 1
        ? "full size"
        : `replica 1/${engine.scale.toFixed(0)}, sizes and rates ÷${engine.scale.toFixed(0)}`;
    rows.push(
      {
        benchmark: b,
        figure: `engine vs pass model on the engine's data (${replica}): |measured − modelled|`,
        value: Math.abs(engine.engineMs - engine.modelMs),
        unit: "ms",
        shown: `${minutes(Math.abs(engine.engineMs - engine.modelMs))} (${times(engine.engineMs / engine.modelMs)})`,
        target: { kind: "max", value: AGREEMENT_MS, text: "≤ 1.0 min" },
        note: engineNote(r),
      },
      {
        benchmark: b,
        figure: `engine run (${replica}): every source version on the destination`,
        value: engine.complete ? 1 : 0,
        unit: "boolean",
        shown: engine.complete ? "yes" : `no: ${engine.problems.slice(0, 3).join("; ")}`,
        target: { kind: "min", value: 1, text: "yes" },
      },
    );
  }
  return rows;
}

function engineNote(r: ScenarioResult): string {
  const e = r.engine!;
  const mismatched = Object.entries(e.activities)
    .filter(([, a]) => a.engine.calls !== a.model.calls)
    .map(([name, a]) => `${name} ${a.engine.calls}/${a.model.calls}`);
  return [
    `${e.resources.toLocaleString("en-US")} resources, ${e.versions.toLocaleString("en-US")} versions; engine ${duration(e.engineMs)} in ${e.windows} windows, pass model ${duration(e.modelMs)} in ${e.modelWindows} (${e.sameWindows ? "the same windows" : "different windows"})`,
    mismatched.length === 0
      ? "the same activity calls"
      : `activity calls engine/model: ${mismatched.join(", ")}`,
    `${e.realSeconds.toFixed(0)} s real time`,
  ].join("; ");
}

/** The scale rows' targets, each over every row (size × rate × shape × swept figure). */
export function scaleRows(rows: readonly ScaleRow[]): Row[] {
  if (rows.length === 0) return [];
  const b = "1 Catch-up, scale";
  const worst = rows.reduce((a, r) => (r.overheadVsBestPlan > a.overheadVsBestPlan ? r : a));
  const windows = rows.reduce((n, r) => n + r.windows, 0);
  const requests = rows.reduce((n, r) => n + r.planningRequests, 0);
  const tenYears = rows;
  const slowest = tenYears.reduce((a, r) => (r.speedupVsOriginal < a.speedupVsOriginal ? r : a));
  const met = rows.filter((r) => r.overheadVsBestPlan <= BEST_PLAN_TARGET).length;
  const longest = rows.reduce((a, r) => (r.longestActivity.ms > a.longestActivity.ms ? r : a));
  const longestPlanning = rows.reduce((a, r) =>
    r.longestPlanningMs > a.longestPlanningMs ? r : a,
  );
  const label = (r: ScaleRow) =>
    `${r.shape} ${r.versions.toExponential(0)}, import ${r.importRate}/s, export ${r.exportRate}/s, "${r.requestLatency}"`;
  return [
    {
      benchmark: b,
      figure: `overhead over the best plan, worst of ${rows.length} rows`,
      value: worst.overheadVsBestPlan,
      unit: "ratio",
      shown: times(worst.overheadVsBestPlan),
      target: { kind: "max", value: BEST_PLAN_TARGET, text: `≤ ${BEST_PLAN_TARGET}×` },
      note: `${label(worst)}: ${duration(worst.projectMs)} against ${duration(worst.bestPlanMs)}; ${met} of ${rows.length} rows within ${BEST_PLAN_TARGET}×`,
    },
    {
      benchmark: b,
      figure: "planning requests per window, all rows",
      value: requests / Math.max(1, windows),
      unit: "requests",
      shown: (requests / Math.max(1, windows)).toFixed(1),
      target: {
        kind: "max",
        value: PLANNING_REQUESTS_TARGET,
        text: `≤ ${PLANNING_REQUESTS_TARGET}`,
      },
      note: `${requests.toLocaleString("en-US")} requests for ${windows.toLocaleString("en-US")} windows`,
    },
    {
      benchmark: b,
      figure: "longest activity call, all rows (the Functions host stops one at 10 minutes)",
      value: longest.longestActivity.ms,
      unit: "ms",
      shown: minutes(longest.longestActivity.ms),
      target: { kind: "max", value: ACTIVITY_LIMIT_MS, text: "≤ 10.0 min" },
      note: `${longest.longestActivity.name}, ${label(longest)}`,
    },
    {
      benchmark: b,
      figure: "longest planning call, all rows",
      value: longestPlanning.longestPlanningMs,
      unit: "ms",
      shown: minutes(longestPlanning.longestPlanningMs),
      target: { kind: "max", value: ACTIVITY_LIMIT_MS, text: "≤ 10.0 min" },
      note: label(longestPlanning),
    },
    {
      benchmark: b,
      figure: "speed-up over the original schedule, slowest row (10 years)",
      value: slowest.speedupVsOriginal,
      unit: "ratio",
      shown: times(slowest.speedupVsOriginal),
      target: { kind: "min", value: SPEEDUP_TARGET, text: `≥ ${SPEEDUP_TARGET}×` },
      note: `${label(slowest)}: the best plan would be ${times(slowest.bestPlanSpeedupVsOriginal)} faster than the original there`,
    },
  ];
}

/** One line per scale row, printed after the table. */
export function scaleTable(rows: readonly ScaleRow[]): string[][] {
  return rows.map((r) => [
    r.shape,
    r.versions.toExponential(0),
    String(r.importRate),
    String(r.exportRate),
    r.requestLatency,
    duration(r.projectMs),
    duration(r.bestPlanMs),
    times(r.overheadVsBestPlan),
    String(r.windows),
    String(r.exportJobs),
    String(r.importJobs),
    r.planningRequestsPerWindow.toFixed(1),
    `${(100 * r.destinationBusyShare).toFixed(0)} %`,
    times(r.speedupVsOriginal),
  ]);
}

export const SCALE_TABLE_HEADER = [
  "Shape",
  "Versions",
  "Import/s",
  "Export/s",
  "Requests",
  "This project",
  "Best plan",
  "Overhead",
  "Windows",
  "Exports",
  "Imports",
  "Plan req/window",
  "Dest. busy",
  "vs original",
];
