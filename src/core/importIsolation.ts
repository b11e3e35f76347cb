/**
 * Isolation of resources the destination refuses (pure logic; the I/O is in
 * src/engine/importIsolation.ts). On an AHDS FHIR service one resource the SQL store cannot hold
 * (an indexed number or quantity of 1e18 or more) fails its whole import processing job, and the
 * status names the input file: `import operation failed for reason: … ErrorFile: <url>`
 * (microsoft/fhir-server src/Microsoft.Health.Fhir.Core/Features/Operations/Import/GetImportRequestHandler.cs,
 * src/Microsoft.Health.Fhir.SqlServer/Features/Operations/Import/ImportProcessingJob.cs). Instead of
 * halting, the payload is taken apart:
 *
 * - the payload's other input files are imported again as one part;
 * - the failing file is split into parts (line ranges, written as new blobs), each imported;
 * - a part that imports is done (the search stops early there); a part that fails naming its own
 *   file is split again; a part of one line that fails is a refused resource, recorded with the reason.
 *
 * Re-importing lines that were already committed is safe: with IncrementalLoad, a version that is
 * already stored with the same content counts as a success (docs/architecture.md, "Isolating
 * refused resources", cites the server code).
 *
 * Parts are named by their place in the tree ("r" is the payload, "r.o" its other files, "r.x2"
 * input 2, "r.x2.a" … "r.x2.d" its parts), so computing the children of a failure twice gives the
 * same rows: a crash between writing the children and marking the parent is harmless.
 */
import { isolationPartJob } from "./jobLifecycle";

export interface IsolationInput {
  url: string;
  type: string | undefined;
}

/** What a part imports: whole input files, or a range of one file's lines. */
export type PartSource =
  | { kind: "files"; inputs: IsolationInput[] }
  | {
      kind: "lines";
      url: string;
      type: string | undefined;
      /** 1-based numbers of the original file's non-empty lines, inclusive. */
      from: number;
      to: number;
    };

/**
 * Pending: recorded, not started. Started: claimed, kick-off under way. Running: the job's status URL
 * is recorded. Imported: the job completed. Split: the job failed because of its content and its
 * children were recorded. Refused: one resource the server would not store.
 */
export type PartStatus = "Pending" | "Started" | "Running" | "Imported" | "Split" | "Refused";

export interface IsolationPart {
  id: string;
  source: PartSource;
  status: PartStatus;
  statusUrl: string | undefined;
  attempts: number;
  importedCount: number;
  /** Error lines of a partially successful job (recorded as failed resources like any payload's). */
  failedCount: number;
  /** Why the part failed (Split, Refused) or why its last attempt failed. */
  reason: string | undefined;
  startTime: string | undefined;
  endTime: string | undefined;
}

export const ROOT_PART = "r";

const TERMINAL: ReadonlySet<PartStatus> = new Set(["Imported", "Split", "Refused"]);

export function isTerminal(part: Pick<IsolationPart, "status">): boolean {
  return TERMINAL.has(part.status);
}

export function newPart(id: string, source: PartSource): IsolationPart {
  return {
    id,
    source,
    status: "Pending",
    statusUrl: undefined,
    attempts: 0,
    importedCount: 0,
    failedCount: 0,
    reason: undefined,
    startTime: undefined,
    endTime: undefined,
  };
}

/**
 * What a failed import job says about its cause. `content`: it may be the data (isolation can
 * tell); `hidden` when the server gave no reason (a 5xx: GetImportRequestHandler.cs answers
 * "InternalServerError" for every 500), `inputUrl` the job's input the failure names, if any.
 * `systemic`: a cause the product knows is the service's (access, storage, quota, throttling,
 * cancellation, configuration): splitting the job cannot help, so it is retried and then halts.
 */
export type FailureClass =
  | {
      kind: "content";
      inputUrl: string | undefined;
      reason: string;
      hidden: boolean;
      status: number;
    }
  | { kind: "systemic"; why: string };

/**
 * Failures that say nothing about the data: storage, access, quota, throttling, a cancelled job, a
 * configuration problem (ImportProcessingJob.cs and ImportOrchestratorJob.cs messages; the quota
 * text is AHDS's when its database is full, docs/server-behaviour.md §3.7). Checked before the
 * file the failure names: a full database names the job's own input file too.
 */
const SYSTEMIC_TEXT: readonly [RegExp, string][] = [
  [/unauthorized|forbidden|managed identity|authentication/i, "the server cannot access storage"],
  [
    /deleted, renamed, or moved|BlobNotFound|Failed to access input files/i,
    "an input file is unreadable",
  ],
  [/size quota|quota|out of (disk )?space|storage is full/i, "the destination's storage is full"],
  [
    /too many requests|request rate|throttl|RequestRateExceeded|\b429\b/i,
    "the destination is throttling",
  ],
  [/cancel/i, "the job was cancelled"],
  [/container name/i, "the error container is misconfigured"],
];

/**
 * Whether a failed import job may point at its content or points at the service. Known systemic
 * causes (status or text) are systemic. A 4xx that names one of the job's own input files
 * (`ErrorFile: <url>`) is content with the server's reason. A 5xx is content with a hidden reason:
 * the server hides it (GetImportRequestHandler.cs), so only a diagnosis (isolation, whose parts
 * import or do not) can tell the data from the service. A 4xx naming no input file, or a file
 * that is not one of the job's, is systemic.
 */
export function classifyImportFailure(
  status: number | undefined,
  message: string,
  inputUrls: readonly string[],
): FailureClass {
  if (status === 401 || status === 403) return { kind: "systemic", why: "access denied" };
  if (status === 404) return { kind: "systemic", why: "an input file is missing" };
  if (status === 429) return { kind: "systemic", why: "the destination is throttling" };
  if (status === undefined) return { kind: "systemic", why: "server error without a status" };
  for (const [pattern, why] of SYSTEMIC_TEXT)
    if (pattern.test(message)) return { kind: "systemic", why };
  const m = /failed for reason: ([\s\S]*?)\s*ErrorFile: (\S+)/.exec(message);
  const hidden = status >= 500;
  if (m === null) {
    if (!hidden) return { kind: "systemic", why: "the failure names no input file" };
    const reason = /failed for reason: ([\s\S]*)$/.exec(message)?.[1]?.trim() || message;
    return { kind: "content", inputUrl: undefined, reason, hidden, status };
  }
  const inputUrl = m[2] as string;
  const named = inputUrls.find((u) => stripQuery(u) === stripQuery(inputUrl));
  if (named === undefined)
    return {
      kind: "systemic",
      why: "the failure names a file that is not one of the job's inputs",
    };
  return {
    kind: "content",
    inputUrl: named,
    reason: (m[1] as string).trim() || message,
    hidden,
    status,
  };
}

/**
 * Whether a payload's failed job is taken apart now. A failure the server explains (a 4xx naming
 * the file) is diagnosed at once. One whose reason is hidden is retried first, like any server
 * error, and diagnosed only when the last attempt (AZURE_ImportAttempts) fails the same way as the
 * one before: a passing fault then has had its chances, and a halt would not tell the input from
 * the service.
 */
export function diagnoseNow(
  failure: FailureClass,
  payload: { attempts: number; failureReason: string | undefined },
  maxAttempts: number,
): boolean {
  if (failure.kind === "systemic") return false;
  if (!failure.hidden) return true;
  if (payload.attempts < maxAttempts) return false;
  return maxAttempts === 1 || (payload.failureReason?.includes(failure.reason) ?? false);
}

/** The reason a failed part keeps: the server's words, or that the server hid them. */
export function partReason(failure: Extract<FailureClass, { kind: "content" }>): string {
  return failure.hidden ? `${HIDDEN_PREFIX} ${failure.status} (${failure.reason})` : failure.reason;
}

const HIDDEN_PREFIX = "server error without a reason:";

/**
 * The reason recorded for a refused resource. The server's own words when it gave them; when it
 * hid them, what the diagnosis inferred (with the value that explains it, when the line holds one).
 */
export function refusalReason(reason: string | undefined, explanation?: string): string {
  if (reason === undefined) return "refused by the destination";
  if (!reason.startsWith(HIDDEN_PREFIX)) return reason;
  const status = reason.slice(HIDDEN_PREFIX.length).trim();
  return `Inferred: the destination fails any import job holding this resource (${status}; the server hides the reason) while the other parts of the same job imported${explanation === undefined ? "" : `; ${explanation}`}`;
}

function stripQuery(url: string): string {
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}

/**
 * Parts a failing range is split into. Bisection generalised: with k parts a search takes
 * log_k(n) rounds of about k jobs, so the extra jobs are about k/ln(k)·ln(n) (2.9·ln n for k = 2
 * and for k = 4) while the rounds, each one import job long, are halved by k = 4 (npm run bench,
 * "6 Isolation"). Four parts plus the other files stay within the five imports the server runs at
 * once (docs/server-behaviour.md §3.5).
 */
export const SPLIT_PARTS = 4;

const PART_LETTERS = "abcdefghijklmnopqrstuvwxyz";

/** A line range cut into at most `parts` contiguous ranges of nearly equal length, in order. */
export function splitRange(
  parentId: string,
  source: { url: string; type: string | undefined; from: number; to: number },
  parts = SPLIT_PARTS,
): IsolationPart[] {
  const lines = source.to - source.from + 1;
  const k = Math.max(1, Math.min(parts, lines, PART_LETTERS.length));
  const children: IsolationPart[] = [];
  let from = source.from;
  for (let i = 0; i < k; i++) {
    const size = Math.floor(lines / k) + (i < lines % k ? 1 : 0);
    children.push(
      newPart(`${parentId}.${PART_LETTERS[i]}`, {
        kind: "lines",
        ...source,
        from,
        to: from + size - 1,
      }),
    );
    from += size;
  }
  return children;
}

/**
 * The input a content failure of `part` points at: the file it names, or the part's only file when
 * it names none (a 5xx from the orchestrator names no file); undefined when a part of several files
 * failed without naming one.
 */
export function failingInput(part: IsolationPart, named: string | undefined): string | undefined {
  const source = part.source;
  if (source.kind === "lines") return source.url;
  if (named !== undefined) return named;
  return source.inputs.length === 1 ? source.inputs[0]?.url : undefined;
}

/**
 * What follows a content failure of `part` that points at `failingUrl` (failingInput):
 * - a range of one line: the resource is refused (no children);
 * - a longer range: its parts (splitRange);
 * - whole files: the other files as one part, and the failing file's parts (a one-line file is a
 *   refused resource at once: the failure already named it);
 * - whole files, no file named: each file a part of its own.
 * `lineCount` is the number of non-empty lines of the failing file (files parts only).
 */
export function afterContentFailure(
  part: IsolationPart,
  failingUrl: string | undefined,
  lineCount: number,
): { children: IsolationPart[]; refused: boolean } {
  const source = part.source;
  if (source.kind === "lines") {
    if (source.from >= source.to) return { children: [], refused: true };
    return { children: splitRange(part.id, source), refused: false };
  }
  if (failingUrl === undefined) {
    const children = source.inputs.map((input, i) =>
      newPart(`${part.id}.f${i}`, { kind: "files", inputs: [input] }),
    );
    return { children, refused: false };
  }
  const index = source.inputs.findIndex((i) => i.url === failingUrl);
  if (index === -1) throw new Error(`${failingUrl} is not an input of isolation part ${part.id}`);
  const failing = source.inputs[index] as IsolationInput;
  const others = source.inputs.filter((_, i) => i !== index);
  const children: IsolationPart[] = [];
  if (others.length > 0) children.push(newPart(`${part.id}.o`, { kind: "files", inputs: others }));
  const whole = { url: failing.url, type: failing.type, from: 1, to: lineCount };
  if (lineCount <= 1) {
    children.push({
      ...newPart(`${part.id}.x${index}`, { kind: "lines", ...whole, to: 1 }),
      status: "Refused",
    });
  } else children.push(...splitRange(`${part.id}.x${index}`, whole));
  return { children, refused: false };
}

/** The part whose failure created `id` ("r.x2.a" and "r.o" come from "r"). */
export function parentOf(id: string): string {
  const up = id.slice(0, id.lastIndexOf("."));
  return /\.x\d+$/.test(up) ? up.slice(0, up.lastIndexOf(".")) : up;
}

/** Isolation jobs that failed before the window halts as "every job failing" when none imported. */
export const SYSTEMIC_FAILURE_RUN = 8;

/** Parts of one payload imported at the same time (one split and the other files). */
export const ISOLATION_CONCURRENCY = SPLIT_PARTS + 1;

/**
 * Who the diagnosis blames. "input": a part imported, so the destination takes data and the parts
 * that fail alone are the input's: refused resources are recorded. "service": no part imported and
 * the first split's parts all failed the same way (or every part failed): the destination refuses
 * everything, the payload fails as a whole and nothing is recorded as refused. undefined: not known
 * yet (refusals wait).
 */
export type IsolationVerdict = "input" | "service" | undefined;

export interface IsolationPlan {
  /** Parts to start now (Pending, within the concurrency limit and the window's budget). */
  start: IsolationPart[];
  /** Parts whose job runs. */
  poll: IsolationPart[];
  /** Every part is done and the verdict is "input": the payload completes. */
  complete: boolean;
  verdict: IsolationVerdict;
  /** Set when the isolation must stop and the migration halt, with the reason in words. */
  halt: string | undefined;
}

const FAILED: ReadonlySet<PartStatus> = new Set(["Split", "Refused"]);

/** The diagnosis so far (see IsolationVerdict), with why when it blames the service. */
export function isolationVerdict(parts: readonly IsolationPart[]): {
  verdict: IsolationVerdict;
  why?: string;
} {
  const jobs = parts.filter((p) => p.id !== ROOT_PART);
  if (jobs.some((p) => p.status === "Imported")) return { verdict: "input" };
  if (jobs.length === 0) return { verdict: undefined };
  const firstSplit = jobs.filter((p) => parentOf(p.id) === ROOT_PART);
  const reasons = new Set(firstSplit.map((p) => p.reason ?? ""));
  if (firstSplit.every((p) => FAILED.has(p.status)) && reasons.size === 1) {
    return {
      verdict: "service",
      why: `all ${firstSplit.length} part(s) of the job's first split failed the same way (${[...reasons][0] || "no reason"})`,
    };
  }
  if (jobs.every((p) => FAILED.has(p.status)))
    return {
      verdict: "service",
      why: `every part failed, down to single lines (${jobs.length} parts)`,
    };
  const failedJobs = jobs.filter(
    (p) => p.status === "Split" || (p.status === "Refused" && p.attempts > 0),
  ).length;
  if (failedJobs >= SYSTEMIC_FAILURE_RUN)
    return { verdict: "service", why: `${failedJobs} isolation jobs failed in a row` };
  return { verdict: undefined };
}

/**
 * The next step of one payload's isolation. `jobsUsed` counts the isolation jobs already started in
 * the payload's window (all payloads), `budget` is AZURE_ImportIsolationJobs.
 */
export function planIsolation(
  parts: readonly IsolationPart[],
  jobsUsed: number,
  budget: number,
): IsolationPlan {
  const poll = parts.filter((p) => isolationPartJob.isInFlight(p.status));
  const pending = parts.filter((p) => p.status === "Pending");
  const { verdict, why } = isolationVerdict(parts);
  if (verdict === "service") {
    return {
      start: [],
      poll,
      complete: false,
      verdict,
      halt: `the diagnosis points at the destination, not at the data: ${why ?? "every part failed"}, and no part imported; nothing is recorded as refused. Fix the destination, then resume (reset-retries): the whole payload is imported again`,
    };
  }
  const complete = verdict === "input" && parts.every(isTerminal);
  const room = Math.max(0, Math.min(ISOLATION_CONCURRENCY - poll.length, budget - jobsUsed));
  const start = pending.slice(0, room);
  const halt =
    pending.length > 0 && start.length === 0 && poll.length === 0
      ? `isolating refused resources needs more than the ${budget} extra import jobs allowed per window (AZURE_ImportIsolationJobs); ${pending.length} part(s) left`
      : undefined;
  return { start, poll, complete, verdict, halt };
}

export interface IsolationSummary {
  parts: number;
  jobs: number;
  running: number;
  pending: number;
  imported: number;
  refused: number;
}

/** Counts for the status page and telemetry. */
export function summarizeIsolation(parts: readonly IsolationPart[]): IsolationSummary {
  return {
    parts: parts.length,
    jobs: parts.reduce((n, p) => n + p.attempts, 0),
    running: parts.filter((p) => isolationPartJob.isInFlight(p.status)).length,
    pending: parts.filter((p) => p.status === "Pending").length,
    imported: parts.reduce((n, p) => n + (p.status === "Imported" ? p.importedCount : 0), 0),
    refused: parts.filter((p) => p.status === "Refused").length,
  };
}
