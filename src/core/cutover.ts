/**
 * The cutover operation's state and decisions, pure (docs/operations.md, section 7). The user gives
 * the instant writes to the source stopped (the freeze); from then on the migration copies the last
 * changes before the freeze at a short cadence, then proves the copy and ends with GO or NO-GO.
 */

import { parseInstantText } from "./instant";
import type { LedgerEntry, LedgerKind } from "./ledger";
import { ALL_TYPES, totalMissing } from "./ledger";

export type CutoverPhase = "draining" | "proving" | "GO" | "NO-GO" | "cancelled";

/** The cutover row, next to the cursor (one per migration). */
export interface CutoverRecord {
  phase: CutoverPhase;
  /** Versions with lastUpdated before it are the delta; at or after it are writes after the freeze. */
  freeze: string;
  requestedAt: string;
  /** When the delta up to the freeze was on the destination and the proof began. */
  drainedAt: string | undefined;
  decidedAt: string | undefined;
  cancelledAt: string | undefined;
  /** The proof's verification run: a crash mid-proof resumes it (the full check is resumable). */
  proofRunId: string | undefined;
  /** Times the proof ran for this freeze (a NO-GO is proved again when cutover is called again). */
  attempts: number;
  verdict: CutoverVerdict | undefined;
  /** How long the proof was expected to take when it started (absent in records stored before it). */
  proofEstimate?: CutoverProofEstimate;
  /** Both servers' versions stamped before the freeze, counted when the verdict was stored. */
  countsAtVerdict?: FreezeCounts | undefined;
  /**
   * The next proof compares every version, not only those changed since the last full proof: the
   * counts before the freeze changed after a GO, somewhere in the range that proof had covered.
   */
  reproveWhole?: boolean | undefined;
}

/** History-aware versions stamped before the freeze, on each server. */
export interface FreezeCounts {
  source: number;
  destination: number;
}

/**
 * What the proof's full check will compare and how long that should take, said before it starts:
 * its source versions, in pages of 1,000 read from both servers, at the time one page of each took
 * when measured, `concurrency` units at a time.
 */
export interface CutoverProofEstimate {
  /** Source versions in the range the full check compares. */
  versions: number;
  /** Start of that range; null for the whole timeline. */
  since: string | null;
  /** Measured time of one page of the range on each server, in seconds. */
  pageSeconds: { source: number; destination: number };
  concurrency: number;
  seconds: number;
}

export interface CutoverVerdict {
  go: boolean;
  /** One line: what the verdict means. */
  summary: string;
  /** Measured freeze → verdict, in seconds. */
  windowSeconds: number;
  evidence: CutoverEvidence;
  /** NO-GO: the exact differences, one line each (bounded). */
  problems: string[];
  /** NO-GO: what to do. */
  actions: string[];
}

export interface CutoverEvidence {
  verificationRunId: string;
  versionsCompared: number;
  matched: number;
  missing: number;
  extra: number;
  different: number;
  behind: number;
  /** Source versions stamped at or after the freeze (they mean writes did not stop). */
  postFreezeWrites: number;
  /** Resources the imports reported as failed, recorded in the failed-resources partition. */
  failedResources: number;
  /** Source versions the destination refused (recorded as failed): known, not migrated, not loss. */
  known: number;
  /**
   * Surface check: counts that agree / all counts compared (one per type and scope, search and
   * history, and the system total; the names are older than that meaning and stay for stored rows).
   */
  surfaceTypesPassed: number;
  surfaceTypes: number;
  /** The ledger's reconciliation of every entry up to the freeze (absent in verdicts stored before it). */
  ledger?: CutoverLedgerEvidence;
  /** The range the full check compared (absent in verdicts stored before it). */
  proof?: CutoverProofScope;
}

/**
 * The full check's range: the whole timeline, or the versions changed since the last full proof
 * (docs/operations.md, section 7, "What GO claims").
 */
export type CutoverProofScope =
  | { kind: "whole"; since: string; till: string }
  | {
      kind: "since-last-proof";
      since: string;
      till: string;
      lastProof: {
        runId: string;
        passedAt: string;
        provenUntil: string;
        wholeRunId: string;
        wholePassedAt: string;
      };
    };

/** The ledger entries starting before the freeze, summed (src/core/ledger.ts). */
export interface CutoverLedgerEvidence {
  entries: number;
  windows: number;
  skipped: number;
  reconciled: number;
  unreconciled: number;
  /** Entries not final when the proof read them (the planner waits for 0; counted, never ignored). */
  open: number;
  /** Sums of the entries' latest counts (history-aware versions, same bounds on both servers). */
  sourceVersions: number;
  destinationVersions: number;
  failed: number;
  missing: number;
  extra: number;
}

/** An unreconciled entry, named in a NO-GO (at most CUTOVER_MAX_PROBLEMS are kept). */
export interface UnreconciledEntry {
  since: string;
  till: string;
  kind: LedgerKind;
  missing: number;
  reason: string;
  /** Per unit with a shortfall: "type: source S, destination D, failed F". */
  counts: string[];
}

/** Folds the ledger entries starting before the freeze into evidence and the entries to name. */
export function cutoverLedgerFacts(
  entries: Iterable<LedgerEntry>,
  freeze: string,
): { evidence: CutoverLedgerEvidence; unreconciled: UnreconciledEntry[] } {
  const evidence: CutoverLedgerEvidence = {
    entries: 0,
    windows: 0,
    skipped: 0,
    reconciled: 0,
    unreconciled: 0,
    open: 0,
    sourceVersions: 0,
    destinationVersions: 0,
    failed: 0,
    missing: 0,
    extra: 0,
  };
  const unreconciled: UnreconciledEntry[] = [];
  const freezeMs = Date.parse(freeze);
  for (const e of entries) {
    if (Date.parse(e.since) >= freezeMs) continue;
    evidence.entries++;
    if (e.kind === "window") evidence.windows++;
    else evidence.skipped++;
    if (e.status === "reconciled") evidence.reconciled++;
    else if (e.status === "unreconciled") evidence.unreconciled++;
    else evidence.open++;
    for (const c of e.counts) {
      evidence.sourceVersions += c.source;
      evidence.destinationVersions += c.destination ?? 0;
      evidence.failed += c.failed;
      evidence.extra += c.extra;
    }
    if (e.status === "unreconciled") {
      const missing = totalMissing(e.counts);
      evidence.missing += missing;
      if (unreconciled.length < CUTOVER_MAX_PROBLEMS) {
        unreconciled.push({
          since: e.since,
          till: e.till,
          kind: e.kind,
          missing,
          reason: e.reason ?? "unreconciled",
          counts: e.counts
            .filter((c) => c.missing > 0)
            .map(
              (c) =>
                `${c.type === ALL_TYPES ? "all types" : c.type}: source ${c.source}, destination ${c.destination ?? "-"}, failed ${c.failed}`,
            ),
        });
      }
    }
  }
  return { evidence, unreconciled };
}

/**
 * Writes in flight at the freeze: a request accepted just before the freeze can become visible on
 * the source shortly after it, stamped before it. Planning up to the freeze waits this long after the
 * freeze on the source's clock, instead of the steady AZURE_SafetyLagSeconds (which covers writes of
 * a live source, whose stamps may trail their commit by longer under load).
 */
export const CUTOVER_IN_FLIGHT_ALLOWANCE_MS = 5_000;

/** Poll cadence in cutover mode, for jobs and for the allowance above (instead of the idle poll). */
export const CUTOVER_POLL_MS = 5_000;

/** Differences listed in a NO-GO, at most (the full list is in the verification's check rows). */
export const CUTOVER_MAX_PROBLEMS = 50;

/** The user's freeze instant: an ISO 8601 date-time with a time zone; absent or empty means now. */
export function parseFreeze(
  text: string | undefined,
  nowMs: () => number,
): { ok: true; freeze: string } | { ok: false; message: string } {
  if (text === undefined || text.trim() === "") {
    return { ok: true, freeze: new Date(nowMs()).toISOString() };
  }
  const value = text.trim();
  // Every field checked: Date.parse would roll 2026-02-30 over to 2026-03-02 (src/core/instant.ts).
  const parsed = parseInstantText(value, { dateOnly: false, fractionDigits: 3 });
  if (parsed === undefined) {
    return {
      ok: false,
      message: `freeze: received ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}; expected an ISO 8601 instant with a time zone that exists on the calendar, e.g. 2026-12-03T10:30:00Z`,
    };
  }
  return { ok: true, freeze: new Date(parsed).toISOString() };
}

export function isCutoverActive(record: CutoverRecord | undefined): boolean {
  return record !== undefined && (record.phase === "draining" || record.phase === "proving");
}

export type CutoverRequestOutcome =
  | { kind: "started"; record: CutoverRecord; note?: string }
  /** note: for a repeated verdict, that it is one, when it was proven and what was counted again. */
  | { kind: "unchanged"; record: CutoverRecord; note?: string }
  | { kind: "refused"; message: string };

/**
 * A GO asked for again is checked before it is repeated: versions stamped after the freeze
 * (writes did not stop) and both servers' counts before the freeze, against those taken with the
 * verdict. A change in the counts means the destination (or the source) changed in the range the
 * GO proved: the proof runs again over every version, since the change may be anywhere in it.
 * Returns why the GO must be proved again, or undefined when it stands.
 */
function goNoLongerProven(
  existing: CutoverRecord,
  writesAfterFreeze: number,
  countsNow: FreezeCounts | undefined,
): { reason: string; whole: boolean } | undefined {
  if (writesAfterFreeze > 0)
    return {
      reason: `${writesAfterFreeze} source version(s) stamped at or after the freeze`,
      whole: false,
    };
  const then = existing.countsAtVerdict;
  if (countsNow === undefined || then === undefined) return undefined;
  if (countsNow.source === then.source && countsNow.destination === then.destination)
    return undefined;
  return {
    reason: `the versions stamped before the freeze changed since the GO (source ${then.source} → ${countsNow.source}, destination ${then.destination} → ${countsNow.destination}); proving every version again`,
    whole: true,
  };
}

/** The plain statement a repeated GO carries. */
function repeatedGoNote(existing: CutoverRecord, countsNow: FreezeCounts | undefined): string {
  const proven = `repeats the GO proven at ${existing.decidedAt ?? "-"} (verification ${existing.verdict?.evidence.verificationRunId ?? "-"})`;
  if (countsNow === undefined || existing.countsAtVerdict === undefined)
    return `${proven}; not proven again: no counts were stored with it to compare (cancel and call cutover again to prove it anew)`;
  return `${proven}; counted again now: no version stamped after the freeze, and ${countsNow.source} source and ${countsNow.destination} destination versions before it, as when it was proven`;
}

/**
 * What a cutover request does to the stored record. The same freeze again is the same operation
 * (idempotent): in progress or GO it is left as it is; a NO-GO is proved again (the verdict is about
 * the destination as it is now, so after fixing what the NO-GO named the user calls cutover again).
 * A different freeze while one is in progress is refused: cancel it first. After a verdict or a
 * cancel, a new freeze starts a new operation. A GO is proved again when `writesAfterFreeze` (source
 * versions stamped at or after the freeze, counted now) shows writes since, or when `countsNow`
 * (both servers' versions before the freeze, counted now) differs from the counts stored with it
 * (goNoLongerProven); otherwise it is repeated with a note saying so, when it was proven and what
 * was counted again.
 */
export function requestCutover(
  existing: CutoverRecord | undefined,
  freeze: string,
  nowIso: string,
  writesAfterFreeze = 0,
  countsNow?: FreezeCounts,
): CutoverRequestOutcome {
  if (Date.parse(freeze) > Date.parse(nowIso)) {
    return {
      kind: "refused",
      message: `freeze ${freeze} is in the future (now ${nowIso}); give the instant writes to the source stopped, or omit it for now`,
    };
  }
  const fresh: CutoverRecord = {
    phase: "draining",
    freeze,
    requestedAt: nowIso,
    drainedAt: undefined,
    decidedAt: undefined,
    cancelledAt: undefined,
    proofRunId: undefined,
    attempts: 0,
    verdict: undefined,
  };
  if (existing === undefined || existing.phase === "cancelled") {
    return { kind: "started", record: fresh };
  }
  const same = Date.parse(existing.freeze) === Date.parse(freeze);
  if (same) {
    const stale =
      existing.phase === "GO"
        ? goNoLongerProven(existing, writesAfterFreeze, countsNow)
        : undefined;
    if (existing.phase === "NO-GO" || stale !== undefined) {
      return {
        kind: "started",
        record: {
          ...existing,
          phase: "draining",
          verdict: undefined,
          decidedAt: undefined,
          proofRunId: undefined,
          reproveWhole: existing.reproveWhole === true || stale?.whole === true ? true : undefined,
        },
        ...(stale === undefined ? {} : { note: `proving the GO again: ${stale.reason}` }),
      };
    }
    return existing.phase === "GO"
      ? { kind: "unchanged", record: existing, note: repeatedGoNote(existing, countsNow) }
      : { kind: "unchanged", record: existing };
  }
  if (isCutoverActive(existing)) {
    return {
      kind: "refused",
      message: `a cutover with freeze ${existing.freeze} is in progress (${existing.phase}); cancel it first (--cancel) to use freeze ${freeze}`,
    };
  }
  return { kind: "started", record: { ...fresh, attempts: existing.attempts } };
}

export interface ProofFacts {
  verificationRunId: string;
  /** The freeze the verdict is for: the full check's range must reach it. */
  freeze: string;
  /** The verification's own verdict per check. */
  /** failing: types whose destination count is below the source's (more there is not loss). */
  surface: { verdict: string; typesPassed: number; types: number; failing: string[] } | null;
  full: {
    verdict: string;
    source: number;
    matched: number;
    missing: number;
    extra: number;
    different: number;
    behind: number;
    skipped: number;
    known?: number;
    examples: string[];
    errors: string[];
  } | null;
  postFreezeWrites: number;
  failedResources: number;
  /** The first recorded failed resources, one line each (`Type/id version v: reason`). */
  refused?: string[];
  windowSeconds: number;
  /** The ledger up to the freeze (cutoverLedgerFacts); null when it was not read. */
  ledger?: ReturnType<typeof cutoverLedgerFacts> | null;
  proof?: CutoverProofScope | null;
}

/**
 * GO only when the full check compared every version up to the freeze and found none missing, different or behind,
 * found some equal when it compared any, the surface counts agree, no source version is stamped at
 * or after the freeze, and no resource is recorded as refused. Versions only on the destination
 * (extra) are not loss and do not block GO. A recorded refusal is data the destination does not
 * hold: never a plain GO. When refusals are the only problem the verdict says so in its own words
 * (the user must acknowledge each one named), otherwise it is an ordinary NO-GO.
 */
export function decideCutoverVerdict(facts: ProofFacts): CutoverVerdict {
  const problems: string[] = [];
  const actions: string[] = [];
  const full = facts.full;
  if (facts.postFreezeWrites > 0) {
    problems.push(
      `${facts.postFreezeWrites} source version(s) are stamped at or after the freeze: writes did not stop; they are neither copied nor counted as loss`,
    );
    actions.push(
      "stop every writer to the source, then run cutover again with a freeze at or after the last write (fhir-migrate cutover --cancel, then fhir-migrate cutover --freeze <instant>)",
    );
  }
  if (full === null) {
    problems.push("the full check did not run");
  } else {
    if (full.errors.length > 0) {
      problems.push(...full.errors.map((e) => `full check unit error: ${e}`));
      actions.push("fix the errors named and call cutover again with the same freeze");
    }
    if (full.missing > 0) problems.push(`${full.missing} version(s) missing on the destination`);
    if (full.different > 0) problems.push(`${full.different} version(s) differ on the destination`);
    const behindBeyondFreeze = Math.max(0, full.behind - facts.postFreezeWrites);
    if (behindBeyondFreeze > 0) {
      problems.push(
        `${behindBeyondFreeze} version(s) before the freeze are not on the destination yet`,
      );
    }
    const till = facts.proof?.till;
    if (till !== undefined && Date.parse(till) < Date.parse(facts.freeze)) {
      // The range ends TILL_MARGIN_MS before the proof started: versions between it and the freeze
      // were counted, not compared.
      problems.push(
        `the full check compared versions up to ${till}, before the freeze at ${facts.freeze}: the versions in between were not compared`,
      );
      actions.push("call cutover again with the same freeze: its proof starts later");
    }
    problems.push(...full.examples);
    if (full.missing > 0 || full.different > 0 || behindBeyondFreeze > 0) {
      actions.push(
        "repair the versions named (fhir-migrate import-payload for their window, or re-run from the window's start), then call cutover again with the same freeze",
      );
    }
  }
  const ledger = facts.ledger ?? null;
  if (ledger !== null) {
    if (ledger.evidence.open > 0) {
      problems.push(
        `${ledger.evidence.open} ledger entr${ledger.evidence.open === 1 ? "y" : "ies"} before the freeze not reconciled yet`,
      );
      actions.push("call cutover again with the same freeze once the ledger's counts are done");
    }
    for (const u of ledger.unreconciled) {
      problems.push(
        `ledger ${u.kind === "window" ? "window" : "skipped stretch"} [${u.since}, ${u.till}) unreconciled: ${u.missing} version(s) missing (${u.reason})${u.counts.length > 0 ? `; ${u.counts.join("; ")}` : ""}`,
      );
    }
    if (ledger.evidence.unreconciled > ledger.unreconciled.length) {
      problems.push(
        `and ${ledger.evidence.unreconciled - ledger.unreconciled.length} more unreconciled ledger entries (status page, Ledger card)`,
      );
    }
    if (ledger.evidence.unreconciled > 0) {
      actions.push(
        "deal with each unreconciled ledger entry named (docs/operations.md, section 10: find what differs, then migrate its range again with AZURE_SpecificRun over [since, till)), then call cutover again with the same freeze",
      );
    }
  }
  if (facts.surface !== null && facts.surface.failing.length > 0 && facts.postFreezeWrites === 0) {
    problems.push(
      `surface counts show fewer on the destination for ${facts.surface.failing.join(", ")}`,
    );
  }
  if (full !== null && full.source > 0 && full.matched === 0) {
    problems.push(`none of the ${full.source} version(s) compared is equal on the destination`);
  }
  const onlyRefused = problems.length === 0 && facts.failedResources > 0;
  if (facts.failedResources > 0) {
    const named = facts.refused ?? [];
    problems.push(
      `${facts.failedResources} resource(s) are recorded as refused by the destination and are not on it${named.length > 0 ? `: ${named.join("; ")}` : ""}${facts.failedResources > named.length ? ` (all of them on the status page, Failed resources)` : ""}`,
    );
    actions.push(
      "acknowledge each refused resource named: correct it on the source (the corrected version is migrated) or accept that the destination will not hold it, then call cutover again with the same freeze; a cutover answers GO only when no refusal is recorded",
    );
  }
  const go = problems.length === 0;
  const bounded = problems.slice(0, CUTOVER_MAX_PROBLEMS);
  if (problems.length > bounded.length) {
    bounded.push(
      `and ${problems.length - bounded.length} more (verification run ${facts.verificationRunId}, check rows in the job table)`,
    );
  }
  const compared = full?.source ?? 0;
  return {
    go,
    summary: go
      ? `GO: the destination equals the source as of the freeze (${compared} versions compared, ${full?.matched ?? 0} equal)`
      : onlyRefused
        ? `NO-GO, REFUSED RESOURCES TO ACKNOWLEDGE: everything else equals the source as of the freeze (${compared} versions compared, ${full?.matched ?? 0} equal); ${bounded[0]}`
        : `NO-GO: ${bounded[0]}`,
    windowSeconds: facts.windowSeconds,
    evidence: {
      verificationRunId: facts.verificationRunId,
      versionsCompared: compared,
      matched: full?.matched ?? 0,
      missing: full?.missing ?? 0,
      extra: full?.extra ?? 0,
      different: full?.different ?? 0,
      behind: full?.behind ?? 0,
      postFreezeWrites: facts.postFreezeWrites,
      failedResources: facts.failedResources,
      known: full?.known ?? 0,
      surfaceTypesPassed: facts.surface?.typesPassed ?? 0,
      surfaceTypes: facts.surface?.types ?? 0,
      ...(ledger === null ? {} : { ledger: ledger.evidence }),
      ...(facts.proof === undefined || facts.proof === null ? {} : { proof: facts.proof }),
    },
    problems: go ? [] : bounded,
    actions: go ? [] : [...new Set(actions)],
  };
}

/**
 * The planning cap in cutover mode: never past the freeze; the freeze itself once the source's
 * clock is CUTOVER_IN_FLIGHT_ALLOWANCE_MS past it (instead of waiting AZURE_SafetyLagSeconds);
 * before that, the steady cap, short of the freeze. With a safety lag shorter than the allowance the
 * steady cap passes the freeze at once: reaching it then would end the drain, and start the proof,
 * before writes in flight at the freeze had time to land (and before the full check's range, which
 * ends TILL_MARGIN_MS before now, reaches the freeze).
 */
export function cutoverCapMs(steadyCapMs: number, freezeMs: number, sourceNowMs: number): number {
  if (sourceNowMs >= freezeMs + CUTOVER_IN_FLIGHT_ALLOWANCE_MS) return freezeMs;
  return Math.min(steadyCapMs, freezeMs - 1);
}

/**
 * How long a planning in cutover mode waits before it plans up to the freeze: what is left of the
 * allowance on the source's clock, once the freeze has passed there. A planning that starts a few
 * seconds early would otherwise plan short of the freeze (cutoverCapMs) and cost the cutover a
 * whole pass (a state load and two message hops each side) before the planning that reaches it.
 * Undefined while the freeze is still ahead of the source's clock: no wait, the steady cap applies.
 */
export function cutoverPlanningWaitMs(freezeMs: number, sourceNowMs: number): number | undefined {
  if (sourceNowMs < freezeMs) return undefined;
  return Math.max(0, freezeMs + CUTOVER_IN_FLIGHT_ALLOWANCE_MS - sourceNowMs);
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function minutesText(seconds: number): string {
  return seconds < 120 ? `${seconds} s` : `${(seconds / 60).toFixed(1)} min`;
}

/** The cutover as text: phase, freeze, the measured window, and the verdict's evidence or differences. */
export function formatCutover(record: CutoverRecord): string {
  const lines = [`Cutover for the freeze at ${record.freeze}: ${record.phase}`];
  const v = record.verdict;
  if (record.phase === "cancelled") lines.push(`cancelled at ${record.cancelledAt ?? "-"}`);
  const estimate = record.proofEstimate;
  if (record.phase === "proving" && estimate !== undefined) {
    lines.push(
      `proving: ${estimate.versions} source versions ${estimate.since === null ? "over the whole timeline" : `changed since ${estimate.since}`}, expected to take about ${estimate.seconds < 7200 ? minutesText(estimate.seconds) : `${(estimate.seconds / 3600).toFixed(1)} h`} (one page of 1,000 versions took ${estimate.pageSeconds.source.toFixed(1)} s on the source and ${estimate.pageSeconds.destination.toFixed(1)} s on the destination; ${estimate.concurrency} units at a time)`,
    );
  }
  if (v === undefined) return `${lines.join("\n")}\n`;
  const e = v.evidence;
  lines.push(v.summary);
  lines.push(`cutover window (freeze to verdict): ${minutesText(v.windowSeconds)}`);
  lines.push(
    `evidence: ${e.versionsCompared} versions compared, ${e.matched} equal, ${e.missing} missing, ${e.different} different, ${e.extra} only on the destination (not loss), ${e.postFreezeWrites} written after the freeze, ${e.failedResources} failed resource(s) recorded (${e.known ?? 0} version(s) known, not migrated); surface check: ${e.surfaceTypesPassed} of ${e.surfaceTypes} counts agree (per type, search and history, and the total); verification ${e.verificationRunId}`,
  );
  const l = e.ledger;
  if (l !== undefined) {
    // Both figures of versions only on the destination are shown; when they differ, say why.
    const why =
      l.extra === e.extra
        ? ""
        : " (the ledger counts every entry up to the freeze, the full check only the range it compared)";
    lines.push(
      `ledger up to the freeze: ${l.reconciled}/${l.entries} entries reconciled (${count(l.windows, "window", "windows")}, ${count(l.skipped, "skipped stretch", "skipped stretches")}), ${l.unreconciled} unreconciled; counted ${l.sourceVersions} source and ${l.destinationVersions} destination versions, ${l.failed} failed, ${l.missing} missing, ${l.extra} only on the destination${why}`,
    );
  }
  const proof = e.proof;
  if (proof?.kind === "whole") {
    lines.push(`compared: every version from ${proof.since} to ${proof.till} (the whole range)`);
  } else if (proof !== undefined) {
    lines.push(
      `compared: every version changed from ${proof.since} to ${proof.till}; before it, every version was found equal by the full proof up to ${proof.lastProof.provenUntil} (run ${proof.lastProof.runId}, ${proof.lastProof.passedAt}; whole range by run ${proof.lastProof.wholeRunId}, ${proof.lastProof.wholePassedAt}) and is counted now by the ledger and the surface check`,
    );
  }
  for (const p of v.problems) lines.push(`  - ${p}`);
  for (const a of v.actions) lines.push(`what to do: ${a}`);
  return `${lines.join("\n")}\n`;
}
