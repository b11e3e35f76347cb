/**
 * The cutover operation (docs/operations.md, section 7): the request that puts the migration in
 * cutover mode, its cancel, and the ProveCutover activity that proves the delta up to the freeze and
 * stores GO or NO-GO. The decisions are pure, in src/core/cutover.ts.
 */
import type {
  CutoverProofScope,
  CutoverRecord,
  CutoverRequestOutcome,
  FreezeCounts,
} from "../core/cutover";
import {
  cutoverLedgerFacts,
  decideCutoverVerdict,
  isCutoverActive,
  requestCutover,
} from "../core/cutover";
import type { FullProofRecord } from "../core/fullProof";
import { incrementalProofSince } from "../core/fullProof";
import type { LedgerEntry } from "../core/ledger";
import { runVerification } from "../verify/runVerification";
import { newRunId } from "../verify/runIds";
import type { VerificationReport } from "../verify/types";
import type { ActivityResult, EngineDeps } from "./deps";
import { nowIso } from "./deps";
import { historyAware } from "./historyAware";
import { recountUnreconciled } from "./activities/reconcileLedger";

/**
 * Starts (or finds) the cutover for `freeze`; refused when another freeze is in progress. Asked
 * again after its GO, it counts the source's versions stamped since the freeze and both servers'
 * versions before it: writes that came after the GO reopen the proof, whose NO-GO reports them,
 * and counts that changed since the GO prove every version again; otherwise the stored GO is
 * answered with a note that says it is repeated, when it was proven and what was counted now.
 */
export async function startCutover(
  deps: Pick<EngineDeps, "state" | "telemetry" | "clock" | "source" | "destination" | "settings">,
  freeze: string,
): Promise<CutoverRequestOutcome> {
  const stored = await deps.state.getCutover();
  const wasGo = stored?.phase === "GO" && Date.parse(stored.freeze) === Date.parse(freeze);
  // A GO asked for again is counted again before it is repeated (requestCutover).
  const [writesAfterFreeze, countsNow] = wasGo
    ? await Promise.all([countWritesAfterFreeze(deps, freeze), countBeforeFreeze(deps, freeze)])
    : [0, undefined];
  let outcome: CutoverRequestOutcome | undefined;
  await deps.state.updateCutover((existing) => {
    outcome = requestCutover(existing, freeze, nowIso(deps), writesAfterFreeze, countsNow);
    return outcome.kind === "started" ? outcome.record : undefined;
  });
  if (outcome!.kind === "started") {
    deps.telemetry.trackEvent("Cutover", { Phase: "requested", Freeze: freeze });
  }
  return outcome!;
}

/** Source versions stamped at or after the freeze, counted the way the export selects them. */
async function countWritesAfterFreeze(
  deps: Pick<EngineDeps, "source" | "settings">,
  freeze: string,
): Promise<number> {
  return deps.source.count({ history: historyAware(deps), since: freeze });
}

/** Both servers' versions stamped before the freeze (history-aware, as the export selects them). */
export async function countBeforeFreeze(
  deps: Pick<EngineDeps, "source" | "destination" | "settings">,
  freeze: string,
): Promise<FreezeCounts> {
  const range = { history: historyAware(deps), till: freeze };
  const [source, destination] = await Promise.all([
    deps.source.count(range),
    deps.destination.count(range),
  ]);
  return { source, destination };
}

/**
 * Cancels the cutover, in progress or decided (a rehearsal): the migration goes back to its steady
 * mode. The verdict stays in the row for the record.
 */
export async function cancelCutover(
  deps: Pick<EngineDeps, "state" | "telemetry" | "clock">,
): Promise<CutoverRecord | undefined> {
  const record = await deps.state.updateCutover((existing) =>
    existing === undefined || existing.phase === "cancelled"
      ? undefined
      : { ...existing, phase: "cancelled", cancelledAt: nowIso(deps) },
  );
  if (record?.phase === "cancelled") {
    deps.telemetry.trackEvent("Cutover", { Phase: "cancelled", Freeze: record.freeze });
  }
  return record;
}

/**
 * ProveCutover: the delta up to the freeze is on the destination and every ledger entry up to it is
 * reconciled or unreconciled. Runs the surface check and the full check of every version changed
 * since the last full proof (the whole timeline when there is none, src/core/fullProof.ts), counts
 * source versions stamped at or after the freeze, and stores the verdict. The run id
 * is recorded before the proof starts, so a crash mid-proof resumes the same full check from its
 * last finished unit.
 */
export async function proveCutover(deps: EngineDeps): Promise<ActivityResult> {
  const now = nowIso(deps);
  const current = await deps.state.getCutover();
  if (current === undefined || !isCutoverActive(current)) {
    return { changed: false, note: "no cutover in progress" };
  }
  // The ledger's entries up to the freeze are final once final: read them before the proof starts.
  // Unreconciled ones are counted again: the user may have migrated their range again since.
  const ledger = cutoverLedgerFacts(
    await recountedEntries(deps, await ledgerEntries(deps), current.freeze),
    current.freeze,
  );
  if (ledger.evidence.open > 0) {
    // The planner waits for them; a pass that read the ledger before a new entry was written lands here.
    return {
      changed: false,
      note: `waiting for ${ledger.evidence.open} ledger entries before the freeze to be counted`,
    };
  }
  const started = await deps.state.updateCutover((r) => {
    if (r === undefined || !isCutoverActive(r)) return undefined;
    if (r.phase === "proving" && r.proofRunId !== undefined) return undefined;
    return {
      ...r,
      phase: "proving",
      drainedAt: r.drainedAt ?? now,
      proofRunId: newRunId(deps.clock.now()),
      attempts: r.attempts + 1,
    };
  });
  if (started === undefined || !isCutoverActive(started) || started.proofRunId === undefined) {
    return { changed: false, note: "no cutover in progress" };
  }
  const runId = started.proofRunId;
  const planned =
    (await deps.state.getCheckResult({
      runId,
      kind: "full",
      resourceType: "_plan",
      key: "range",
    })) !== undefined;
  // Only what changed since the last full proof is compared (a resumed run keeps its stored range).
  const lastProof = await deps.state.getFullProof();
  const scope = deps.settings.export.withHistory ? "history" : "current";
  // A GO whose counts changed is proved again over every version (requestCutover).
  const sinceMs =
    started.reproveWhole === true
      ? undefined
      : incrementalProofSince(lastProof, scope, deps.settings.chunking.safetyLagMs);
  deps.log(
    `cutover: proving the copy as of ${started.freeze} (verification ${runId}, ${sinceMs === undefined ? "the whole range" : `versions changed since ${new Date(sinceMs).toISOString()}`})`,
  );
  const report = await runVerification(deps, {
    checks: ["surface", "full"],
    ...(planned ? { resume: runId } : { runId }),
    ...(sinceMs === undefined ? {} : { fullSinceMs: sinceMs }),
  });
  const [postFreezeWrites, countsAtVerdict] = await Promise.all([
    countWritesAfterFreeze(deps, started.freeze),
    countBeforeFreeze(deps, started.freeze),
  ]);
  const cursor = await deps.state.getCursor();
  const decidedMs = deps.clock.now();
  const verdict = decideCutoverVerdict({
    verificationRunId: report.runId,
    surface: surfaceFacts(report),
    full: fullFacts(report),
    postFreezeWrites,
    failedResources: cursor.resourcesFailed,
    refused: (report.knownFailures?.items ?? []).map(
      (k) => `${k.type}/${k.id} version ${k.version ?? "?"}: ${k.reason}`,
    ),
    ledger,
    proof: proofScope(report, lastProof),
    windowSeconds: Math.max(0, Math.round((decidedMs - Date.parse(started.freeze)) / 1000)),
  });
  const decided = await deps.state.updateCutover((r) =>
    r === undefined || r.proofRunId !== runId || !isCutoverActive(r)
      ? undefined
      : {
          ...r,
          phase: verdict.go ? "GO" : "NO-GO",
          decidedAt: new Date(decidedMs).toISOString(),
          verdict,
          countsAtVerdict,
          reproveWhole: undefined,
        },
  );
  if (decided?.proofRunId !== runId || decided.verdict === undefined) {
    // Cancelled (or superseded) while proving: the verdict is not stored.
    return { changed: true, note: "cutover cancelled while proving" };
  }
  deps.telemetry.trackEvent("Cutover", {
    Phase: verdict.go ? "GO" : "NO-GO",
    LedgerEntries: ledger.evidence.entries,
    LedgerUnreconciled: ledger.evidence.unreconciled,
    Freeze: started.freeze,
    WindowSeconds: verdict.windowSeconds,
    VersionsCompared: verdict.evidence.versionsCompared,
    Missing: verdict.evidence.missing,
    Different: verdict.evidence.different,
    PostFreezeWrites: postFreezeWrites,
    FailedResources: verdict.evidence.failedResources,
    VerificationRunId: report.runId,
  });
  deps.log(`cutover: ${verdict.summary}`);
  return { changed: true, note: verdict.summary };
}

/** What the full check compared: the whole range, or what changed since the last full proof. */
function proofScope(
  report: VerificationReport,
  last: FullProofRecord | undefined,
): CutoverProofScope | null {
  const full = report.full;
  if (full === null || full === undefined) return null;
  const incremental =
    last !== undefined &&
    last.scope === full.scope &&
    Date.parse(full.since) <= Date.parse(last.provenUntil);
  return incremental
    ? {
        kind: "since-last-proof",
        since: full.since,
        till: full.till,
        lastProof: {
          runId: last.runId,
          passedAt: last.passedAt,
          provenUntil: last.provenUntil,
          wholeRunId: last.wholeRunId,
          wholePassedAt: last.wholePassedAt,
        },
      }
    : { kind: "whole", since: full.since, till: full.till };
}

/** Unreconciled entries recounted per proof, at most (the rest are named as they are). */
const RECOUNT_PER_PROOF = 50;

async function recountedEntries(
  deps: EngineDeps,
  entries: LedgerEntry[],
  freeze: string,
): Promise<LedgerEntry[]> {
  const freezeMs = Date.parse(freeze);
  let budget = RECOUNT_PER_PROOF;
  const out: LedgerEntry[] = [];
  for (const e of entries) {
    const due = e.status === "unreconciled" && Date.parse(e.since) < freezeMs && budget > 0;
    if (due) budget--;
    out.push(due ? await recountUnreconciled(deps, e) : e);
  }
  return out;
}

async function ledgerEntries(deps: EngineDeps): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  for await (const e of deps.state.ledger().listAll()) entries.push(e);
  return entries;
}

function surfaceFacts(report: VerificationReport) {
  if (report.surface === null) return null;
  const rows = report.surface.rows;
  return {
    verdict: report.surface.verdict,
    typesPassed: rows.filter((r) => r.verdict === "Pass").length,
    types: rows.length,
    // A destination holding more than the source (resources created there, hard deletes on the
    // source) is not loss: the full check counts those versions as extra, in the evidence.
    failing: rows
      .filter((r) => r.verdict !== "Pass" && (r.difference === null || r.difference < 0))
      .map((r) => `${r.type} (${r.reason})`),
  };
}

function fullFacts(report: VerificationReport) {
  const full = report.full;
  if (full === null || full === undefined) return null;
  return {
    verdict: full.verdict,
    source: full.totals.source,
    matched: full.totals.matched,
    missing: full.totals.missing,
    extra: full.totals.extra,
    different: full.totals.different,
    behind: full.totals.behind,
    skipped: full.totals.skipped,
    known: full.totals.known,
    examples: full.examples
      .filter((e) => e.problem !== "extra")
      .map(
        (e) =>
          `${e.type}/${e.id} version ${e.versionId}: ${e.problem}${e.paths.length > 0 ? ` at ${e.paths.map((p) => p.path).join(", ")}` : ""}`,
      ),
    errors: full.errors.map((e) => `${e.unit}: ${e.error}`),
  };
}
