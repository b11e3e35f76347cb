/**
 * The cutover operation (docs/operations.md, section 7): the request that puts the migration in
 * cutover mode, its cancel, the ProveCutover activity that starts the proof of the delta up to the
 * freeze (a verification the migration orchestration runs as a sub-orchestration), and the
 * DecideCutoverProof activity that stores GO or NO-GO. The decisions are pure, in src/core/cutover.ts.
 */
import type {
  CutoverProofEstimate,
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
import type { ProveCutoverInput } from "../core/activityRegistry";
import type { FullProofRecord } from "../core/fullProof";
import { incrementalProofSince } from "../core/fullProof";
import type { LedgerEntry } from "../core/ledger";
import type { FhirClient } from "../fhir/types";
import { TILL_MARGIN_MS } from "../verify/fullPlan";
import { unitPath } from "../verify/fullUnit";
import { PAGE_SIZE } from "../verify/paging";
import { newRunId, newSeed } from "../verify/runIds";
import type { VerificationInput, VerificationReport } from "../verify/types";
import type { ActivityResult, EngineDeps } from "./deps";
import { nowIso } from "./deps";
import { historyAware } from "./historyAware";
import { reconcileEntries, recountUnreconciled } from "./activities/reconcileLedger";

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
  const stored = await deps.state.cutover.get();
  const wasGo = stored?.phase === "GO" && Date.parse(stored.freeze) === Date.parse(freeze);
  // A GO asked for again is counted again before it is repeated (requestCutover).
  const [writesAfterFreeze, countsNow] = wasGo
    ? await Promise.all([countWritesAfterFreeze(deps, freeze), countBeforeFreeze(deps, freeze)])
    : [0, undefined];
  const now = nowIso(deps);
  const decide = (existing: CutoverRecord | undefined): CutoverRequestOutcome =>
    requestCutover(existing, freeze, now, writesAfterFreeze, countsNow);
  const change = await deps.state.cutover.change((existing) => {
    const outcome = decide(existing);
    return outcome.kind === "started" ? outcome.record : undefined;
  });
  // The decision's last run read `before`: deciding again from it gives what that run decided.
  const outcome = decide(change.before);
  if (outcome.kind === "started") {
    deps.telemetry.trackEvent("Cutover", { Phase: "requested", Freeze: freeze });
  }
  return outcome;
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
  const { after: record } = await deps.state.cutover.change((existing) =>
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
 * What ProveCutover hands the migration orchestration when the proof can start: the verification to
 * run (E2ETestOrchestration as a sub-orchestration, instance id = its run id, src/verify/) and what
 * DecideCutoverProof needs besides its report. The proof's work runs in that orchestration's
 * activities, bounded and resumable, never inside this activity.
 */
export interface CutoverProofStart {
  runId: string;
  verification: VerificationInput;
  decide: Omit<DecideCutoverProofInput, "report">;
}

/**
 * ProveCutover: starts (or resumes) the proof of the delta up to the freeze. Counts the ledger
 * entries the pass found ready (`countFirst`: the planner starts the proof once no entry before the
 * freeze waits on anything but a count), then reads the ledger's entries up to the freeze (every
 * one must be final), records the proof's verification run id
 * before it starts (a crash mid-proof resumes the same full check from its last finished unit),
 * says how long the proof should take (src/core/cutover.ts, CutoverProofEstimate) and hands the
 * orchestration the verification to run: the surface check and the full check of every version
 * changed since the last full proof (the whole timeline when there is none, src/core/fullProof.ts).
 */
export async function proveCutover(
  deps: EngineDeps,
  input: ProveCutoverInput | null,
): Promise<ActivityResult> {
  const current = await deps.state.cutover.get();
  if (current === undefined || !isCutoverActive(current)) {
    return { changed: false, note: "no cutover in progress" };
  }
  // The entries the pass found ready are counted here, not in a pass of their own before this one.
  if (input !== null && input.countFirst.length > 0) await reconcileEntries(deps, input.countFirst);
  const now = nowIso(deps);
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
  const { after: started } = await deps.state.cutover.change((r) => {
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
  const lastProof = await deps.state.fullProof.get();
  const scope = deps.settings.export.withHistory ? "history" : "current";
  // A GO whose counts changed is proved again over every version (requestCutover).
  const sinceMs =
    started.reproveWhole === true
      ? undefined
      : incrementalProofSince(lastProof, scope, deps.settings.chunking.safetyLagMs);
  const estimate = await estimateProof(deps, scope, sinceMs);
  await deps.state.cutover.change((r) =>
    r?.proofRunId !== runId || !isCutoverActive(r) ? undefined : { ...r, proofEstimate: estimate },
  );
  deps.log(
    `cutover: proving the copy as of ${started.freeze} (verification ${runId}, ${sinceMs === undefined ? "the whole range" : `versions changed since ${new Date(sinceMs).toISOString()}`}): ${estimate.versions} source versions, expected to take about ${Math.ceil(estimate.seconds / 60)} min`,
  );
  deps.telemetry.trackEvent("Cutover", {
    Phase: "proving",
    Freeze: started.freeze,
    VerificationRunId: runId,
    VersionsToCompare: estimate.versions,
    EstimatedSeconds: estimate.seconds,
  });
  const proof: CutoverProofStart = {
    runId,
    verification: {
      checks: ["surface", "full"],
      runId,
      seed: newSeed(),
      ...(planned ? { resume: runId } : {}),
      ...(sinceMs === undefined ? {} : { fullSinceMs: sinceMs }),
    },
    decide: { runId, freeze: started.freeze, lastProof: lastProof ?? null, ledger },
  };
  // The log line above says it: no note, which the binder would log again.
  return { changed: true, cutoverProof: proof };
}

/**
 * How long the proof's full check should take, measured before it starts: the source versions in
 * its range (counted, cut by time where the server needs it), and one page of 1,000 versions of the
 * range timed on each server; units read their source pages then their destination pages,
 * AZURE_CheckConcurrency units at a time.
 */
async function estimateProof(
  deps: EngineDeps,
  scope: "history" | "current",
  sinceMs: number | undefined,
): Promise<CutoverProofEstimate> {
  // As the full check's plan does: `_before` in the future is refused, and the servers' clocks may lag.
  const tillMs = Math.floor(deps.clock.now()) - TILL_MARGIN_MS;
  const since = sinceMs === undefined ? undefined : new Date(sinceMs).toISOString();
  const counting = deps.source.count({
    history: scope === "history",
    ...(since === undefined ? {} : { since }),
    till: new Date(tillMs).toISOString(),
  });
  const path = unitPath({
    scope,
    sinceMs: sinceMs ?? 0,
    tillMs,
    pageSize: PAGE_SIZE,
  });
  const timePage = async (client: FhirClient): Promise<number> => {
    const start = deps.clock.now();
    for await (const _page of client.searchPages(path)) break;
    return Math.max(0, deps.clock.now() - start) / 1000;
  };
  // The count and the timed pages are independent: sent together.
  const [versions, source, destination] = await Promise.all([
    counting,
    timePage(deps.source),
    timePage(deps.destination),
  ]);
  const concurrency = deps.settings.verification.concurrency;
  const pages = Math.ceil(versions / PAGE_SIZE);
  return {
    versions,
    since: since ?? null,
    pageSeconds: { source, destination },
    concurrency,
    seconds: Math.ceil((pages * (source + destination)) / concurrency),
  };
}

/** DecideCutoverProof's input: the verification's report and what ProveCutover read before it. */
export interface DecideCutoverProofInput {
  runId: string;
  freeze: string;
  lastProof: FullProofRecord | null;
  ledger: ReturnType<typeof cutoverLedgerFacts>;
  report: VerificationReport;
}

/**
 * DecideCutoverProof: once the proof's verification finished, counts source versions stamped at or
 * after the freeze and stores the verdict (GO or NO-GO), unless the cutover was cancelled or
 * superseded meanwhile.
 */
export async function decideCutoverProof(
  deps: EngineDeps,
  input: DecideCutoverProofInput,
): Promise<ActivityResult> {
  const { runId, report, ledger } = input;
  const lastProof = input.lastProof ?? undefined;
  const [postFreezeWrites, countsAtVerdict] = await Promise.all([
    countWritesAfterFreeze(deps, input.freeze),
    countBeforeFreeze(deps, input.freeze),
  ]);
  const cursor = await deps.state.getCursor();
  const decidedMs = deps.clock.now();
  const verdict = decideCutoverVerdict({
    verificationRunId: report.runId,
    freeze: input.freeze,
    surface: surfaceFacts(report),
    full: fullFacts(report),
    postFreezeWrites,
    failedResources: cursor.resourcesFailed,
    refused: (report.knownFailures?.items ?? []).map(
      (k) => `${k.type}/${k.id} version ${k.version ?? "?"}: ${k.reason}`,
    ),
    ledger,
    proof: proofScope(report, lastProof),
    windowSeconds: Math.max(0, Math.round((decidedMs - Date.parse(input.freeze)) / 1000)),
  });
  const { after: decided } = await deps.state.cutover.change((r) =>
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
    Freeze: input.freeze,
    WindowSeconds: verdict.windowSeconds,
    VersionsCompared: verdict.evidence.versionsCompared,
    Missing: verdict.evidence.missing,
    Different: verdict.evidence.different,
    PostFreezeWrites: postFreezeWrites,
    FailedResources: verdict.evidence.failedResources,
    VerificationRunId: report.runId,
  });
  deps.log(`cutover: ${verdict.summary}`);
  return { changed: true };
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
