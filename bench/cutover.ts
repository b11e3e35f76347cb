/**
 * Benchmark 7, after the freshness run, on the same servers and virtual clock: the cutover window.
 * For each of a few freezes, writes arrive on the source (Poisson, as in the freshness run) while
 * the migration runs continuously, for a random stretch of simulated time; then writes stop, the
 * cutover is requested with the freeze at that instant, and the cutover window is measured from the
 * freeze to the stored verdict on the virtual clock. Every request is priced (bench/pricedEngine.ts),
 * the proof's surface counts and full-check pages included; its real duration is reported beside it.
 * Between freezes the cutover is cancelled after its verdict (a rehearsal), back to the steady mode.
 *
 * The first freeze is the operator's first rehearsal, with no full proof before it: its proof
 * compares the whole timeline, as the documented procedure expects once before the cutover day
 * (docs/operations.md section 7, "How long"). It is reported on its own row; the measured freezes
 * after it prove what changed since the last full proof, as a cutover after that procedure does.
 */
import { cancelCutover, startCutover } from "../src/engine/cutover";
import { wakeLocalMigration } from "../src/local/localMigration";
import { seededRandom, syntheticResource } from "../emulator/harness/syntheticData";
import type { SimulatedEnvironment } from "./simulatedEnvironment";
import type { Row } from "./report";
import { minutes, percentileRows } from "./report";
import { exponential, percentile } from "./stats";

const MINUTE = 60_000;

export interface CutoverBenchOptions {
  freezes: number;
  /** A first freeze with no earlier full proof, reported apart from the measured ones. */
  rehearsalFirst: boolean;
  /** Writes run for a uniformly random stretch in [minWritingMs, maxWritingMs) before each freeze. */
  minWritingMs: number;
  maxWritingMs: number;
  meanIntervalMs: number;
  seed: number;
}

export const CUTOVER_OPTIONS: CutoverBenchOptions = {
  freezes: 6,
  rehearsalFirst: true,
  minWritingMs: 5 * MINUTE,
  maxWritingMs: 60 * MINUTE,
  meanIntervalMs: 2 * MINUTE,
  seed: 23,
};

export interface CutoverBenchResult {
  freezes: number;
  verdicts: string[];
  windowsMs: number[];
  p50Ms: number | undefined;
  p95Ms: number | undefined;
  /** Real seconds each proof took. */
  proofRealSeconds: number[];
  /**
   * Where each window's time went on the simulated clock: from the freeze until the proof starts
   * (the delta planned, staged, imported and its ledger entries counted), and the proof itself.
   */
  untilProofMs: number[];
  proofMs: number[];
  /**
   * Per freeze, the activity calls from the freeze to the verdict, in seconds after the freeze
   * (where the window's time goes).
   */
  timelines: Timeline[];
  /** The first freeze, with no earlier full proof (the whole timeline compared); not in the p95. */
  rehearsal?: { verdict: string; windowMs: number; proofMs: number; timeline: Timeline };
  realSeconds: number;
}

type Timeline = { name: string; startS: number; endS: number }[];

export async function benchmarkCutover(
  sim: SimulatedEnvironment,
  options: CutoverBenchOptions,
  progress: (line: string) => void,
): Promise<CutoverBenchResult> {
  const { clock, deps, environment } = sim;
  const source = environment.source.store;
  const random = seededRandom(options.seed);
  const windows: number[] = [];
  const verdicts: string[] = [];
  const proofs: number[] = [];
  const untilProof: number[] = [];
  const proofMs: number[] = [];
  const timelines: CutoverBenchResult["timelines"] = [];
  const realStart = Date.now();
  let rehearsal: CutoverBenchResult["rehearsal"];
  const runs = options.freezes + (options.rehearsalFirst ? 1 : 0);
  for (let run = 0; run < runs; run++) {
    const isRehearsal = options.rehearsalFirst && run === 0;
    const f = options.rehearsalFirst ? run - 1 : run;
    const writingEndsMs =
      clock.now() + options.minWritingMs + random() * (options.maxWritingMs - options.minWritingMs);
    let freezeRequested = false;
    const writer = async (): Promise<void> => {
      let at = clock.now() + exponential(random, options.meanIntervalMs);
      for (let n = 0; at < writingEndsMs; n++) {
        await clock.sleepUntil(at);
        const id = `pat-cut-${f}-${n}`;
        source.create(syntheticResource("Patient", id, id, random, clock.now()));
        at = clock.now() + Math.max(1000, exponential(random, options.meanIntervalMs));
      }
      await clock.sleepUntil(writingEndsMs);
      // Writes stopped: the freeze is now (the last write was stamped before it).
      const freeze = new Date(clock.now()).toISOString();
      const request = await startCutover(deps, freeze);
      if (request.kind === "refused") throw new Error(request.message);
      // As Cutover_Http does: the sleeping migration acts at once instead of at its next timer.
      wakeLocalMigration();
      freezeRequested = true;
    };
    const leaveWriter = clock.join();
    let proofStarted = 0;
    const orchestration = sim.priced.run(deps, {
      wrapActivity: async (name, call) => {
        // The proof runs from ProveCutover (it starts the verification) to DecideCutoverProof.
        if (name === "ProveCutover") proofStarted = Date.now();
        if (name !== "DecideCutoverProof") return call();
        try {
          return await call();
        } finally {
          proofs.push((Date.now() - proofStarted) / 1000);
        }
      },
    });
    await Promise.all([orchestration, writer().finally(leaveWriter)]);
    if (!freezeRequested) throw new Error("the migration stopped before the freeze");
    const record = await deps.state.cutover.get();
    const verdict = record?.verdict;
    if (record === undefined || verdict === undefined) throw new Error("no cutover verdict");
    const freezeMs = Date.parse(record.freeze);
    const decidedMs = Date.parse(record.decidedAt ?? "");
    const timeline = sim.priced.calls
      .filter((c) => c.endMs > freezeMs && c.startMs <= decidedMs)
      .map((c) => ({
        name: c.name,
        startS: Math.round((c.startMs - freezeMs) / 100) / 10,
        endS: Math.round((c.endMs - freezeMs) / 100) / 10,
      }));
    // The proof: from ProveCutover's start (it reads the ledger and starts the verification) to
    // the verdict (DecideCutoverProof's end), the verification's own activities between them.
    const proof = sim.priced.calls.filter((c) => c.name === "ProveCutover").at(-1);
    const proofStartMs = proof?.startMs ?? decidedMs;
    if (isRehearsal) {
      rehearsal = {
        verdict: record.phase,
        windowMs: decidedMs - freezeMs,
        proofMs: decidedMs - proofStartMs,
        timeline,
      };
      progress(
        `cutover rehearsal (no earlier full proof): ${record.phase} ${minutes(decidedMs - freezeMs)} after the freeze`,
      );
    } else {
      verdicts.push(record.phase);
      windows.push(decidedMs - freezeMs);
      timelines.push(timeline);
      untilProof.push(proofStartMs - freezeMs);
      proofMs.push(decidedMs - proofStartMs);
      progress(
        `cutover ${f + 1}/${options.freezes}: ${record.phase} ${((windows.at(-1) ?? 0) / MINUTE).toFixed(1)} min after the freeze`,
      );
    }
    // Cancelled after the verdict (a rehearsal): the next stretch runs in the steady mode again.
    await cancelCutover(deps);
  }
  return {
    freezes: options.freezes,
    verdicts,
    windowsMs: windows,
    p50Ms: percentile(windows, 50),
    p95Ms: percentile(windows, 95),
    proofRealSeconds: proofs,
    untilProofMs: untilProof,
    proofMs,
    timelines,
    ...(rehearsal === undefined ? {} : { rehearsal }),
    realSeconds: (Date.now() - realStart) / 1000,
  };
}

/** The cutover window's p95 target under the cited model (freeze to verdict). */
export const CUTOVER_TARGET_MS = 2 * MINUTE;

/** Rows: the cutover window p50 and p95, and GO for every freeze. */
export function cutoverRows(r: CutoverBenchResult): Row[] {
  const b = "10 Cutover";
  const targetMs = CUTOVER_TARGET_MS;
  const go = r.verdicts.filter((v) => v === "GO").length;
  return [
    ...percentileRows(
      b,
      "freeze to verdict",
      r,
      {
        ms: targetMs,
        text: `≤ ${minutes(targetMs)}`,
      },
      `${r.freezes} freezes; p95 until the proof starts ${minutes(percentile(r.untilProofMs, 95) ?? Number.NaN)} (the delta planned, staged, imported and counted), p95 of the proof ${minutes(percentile(r.proofMs, 95) ?? Number.NaN)} (every request priced); the proofs took ${r.proofRealSeconds.map((s) => s.toFixed(1)).join(", ")} s real time; ${r.realSeconds.toFixed(0)} s real time in all`,
    ),
    ...(r.rehearsal === undefined
      ? []
      : [
          {
            benchmark: b,
            figure: "first rehearsal, no earlier full proof",
            value: r.rehearsal.windowMs / MINUTE,
            unit: "min",
            shown: minutes(r.rehearsal.windowMs),
            note: `${r.rehearsal.verdict}; the proof compared the whole timeline in ${minutes(r.rehearsal.proofMs)} (docs/operations.md section 7: a full check before the cutover day keeps the cutover's proof to the changes since; the freezes above follow it)`,
          } satisfies Row,
        ]),
    {
      benchmark: b,
      figure: "freezes ending GO",
      value: go,
      unit: "count",
      shown: `${go} of ${r.freezes}`,
      target: { kind: "min", value: r.freezes, text: "all" },
    },
  ];
}
