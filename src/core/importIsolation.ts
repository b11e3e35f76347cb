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

export type FailureClass =
  { kind: "content"; inputUrl: string; reason: string } | { kind: "systemic"; why: string };

/**
 * Failures that say nothing about the data: storage, access, a cancelled job, a configuration
 * problem (ImportProcessingJob.cs messages), or a server error whose reason the status hides.
 */
const SYSTEMIC_TEXT: readonly [RegExp, string][] = [
  [/unauthorized|forbidden|managed identity|authentication/i, "the server cannot access storage"],
  [
    /deleted, renamed, or moved|BlobNotFound|Failed to access input files/i,
    "an input file is unreadable",
  ],
  [/cancel/i, "the job was cancelled"],
  [/container name/i, "the error container is misconfigured"],
];

/**
 * Whether a failed import job points at its content (one input file refused something) or at the
 * service. Only a 4xx that names one of the job's own input files (`ErrorFile: <url>`) and no
 * access, storage or cancellation problem is content: isolation can only help there. A 5xx is
 * systemic: GetImportRequestHandler hides its reason ("InternalServerError"), so nothing says the
 * data caused it, and a broken destination must halt rather than be taken apart resource by resource.
 */
export function classifyImportFailure(
  status: number | undefined,
  message: string,
  inputUrls: readonly string[],
): FailureClass {
  if (status === 401 || status === 403) return { kind: "systemic", why: "access denied" };
  if (status === 404) return { kind: "systemic", why: "an input file is missing" };
  if (status === undefined || status >= 500)
    return { kind: "systemic", why: `server error ${status ?? "without a status"}` };
  for (const [pattern, why] of SYSTEMIC_TEXT)
    if (pattern.test(message)) return { kind: "systemic", why };
  const m = /failed for reason: ([\s\S]*?)\s*ErrorFile: (\S+)/.exec(message);
  if (m === null) return { kind: "systemic", why: "the failure names no input file" };
  const inputUrl = m[2] as string;
  const named = inputUrls.find((u) => stripQuery(u) === stripQuery(inputUrl));
  if (named === undefined)
    return {
      kind: "systemic",
      why: "the failure names a file that is not one of the job's inputs",
    };
  return { kind: "content", inputUrl: named, reason: (m[1] as string).trim() || message };
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
 * What follows a content failure of `part` that names `failure.inputUrl`:
 * - a range of one line: the resource is refused (no children);
 * - a longer range: its parts (splitRange);
 * - whole files: the other files as one part, and the failing file's parts (a one-line file is a
 *   refused resource at once: the failure already named it).
 * `lineCount` is the number of non-empty lines of the failing file (files parts only).
 */
export function afterContentFailure(
  part: IsolationPart,
  failingUrl: string,
  lineCount: number,
): { children: IsolationPart[]; refused: boolean } {
  const source = part.source;
  if (source.kind === "lines") {
    if (source.from >= source.to) return { children: [], refused: true };
    return { children: splitRange(part.id, source), refused: false };
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

/** Isolation jobs that failed before the window halts as "every job failing" when none imported. */
export const SYSTEMIC_FAILURE_RUN = 8;

/** Parts of one payload imported at the same time (one split and the other files). */
export const ISOLATION_CONCURRENCY = SPLIT_PARTS + 1;

export interface IsolationPlan {
  /** Parts to start now (Pending, within the concurrency limit and the window's budget). */
  start: IsolationPart[];
  /** Parts whose job runs. */
  poll: IsolationPart[];
  /** Every part is done: the payload completes. */
  complete: boolean;
  /** Set when the isolation must stop and the migration halt, with the reason in words. */
  halt: string | undefined;
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
  const complete = parts.length > 0 && parts.every(isTerminal);
  const jobs = parts.filter((p) => p.id !== ROOT_PART);
  const failedJobs = jobs.filter(
    (p) => p.status === "Split" || (p.status === "Refused" && p.attempts > 0),
  ).length;
  const importedJobs = jobs.filter((p) => p.status === "Imported").length;
  if (failedJobs >= SYSTEMIC_FAILURE_RUN && importedJobs === 0) {
    return {
      start: [],
      poll,
      complete: false,
      halt: `every isolation job failed (${failedJobs} in a row, none imported): the destination refuses every part, which points at the service, not at one resource`,
    };
  }
  const room = Math.max(0, Math.min(ISOLATION_CONCURRENCY - poll.length, budget - jobsUsed));
  const start = pending.slice(0, room);
  const halt =
    pending.length > 0 && start.length === 0 && poll.length === 0
      ? `isolating refused resources needs more than the ${budget} extra import jobs allowed per window (AZURE_ImportIsolationJobs); ${pending.length} part(s) left`
      : undefined;
  return { start, poll, complete, halt };
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
