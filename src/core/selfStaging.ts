/**
 * Self-staging: a window holding few versions is staged by the tool itself from the source's
 * `_history` instead of an `$export` job, writing the lines `$export` would have written. The
 * export's fixed cost (kick-off, processing job, status polls and the ~15 s the status stays 202
 * after the last processing job, microsoft/fhir-server
 * src/Microsoft.Health.Fhir.Core/Features/Operations/FhirOperationDataStoreBase.cs) dominates a
 * small window; a `_history` page of up to 1000 entries is one request
 * (src/Microsoft.Health.Fhir.Core/Configs/CoreFeatureConfiguration.cs, MaxItemCountPerSearch).
 *
 * What `$export` with `includeAssociatedData=_history,_deleted` writes for a version
 * (src/Microsoft.Health.Fhir.Core/Features/Operations/Export/ExportJobTask.cs): the stored raw JSON,
 * one line per version, in one file per type; a soft-deleted version is the empty instance
 * (src/Microsoft.Health.Fhir.Shared.Core/Features/Resources/Delete/DeletionService.cs) with the
 * deleted-state extension added to `meta.extension`
 * (src/Microsoft.Health.Fhir.Shared.Core/Extensions/ModelExtensions.cs, TryAddSoftDeletedExtension,
 * valueString "soft-deleted"). `_history` returns the same raw JSON (BundleFactory.cs,
 * RawBundleEntryComponent) and marks a deleted version with `request.method` DELETE.
 *
 * The window read is `[since, till)` (`_since` is `ge`, `_before` is `lt`): the planner ends every
 * window on a millisecond holding no version (core/windowBoundary.ts), where it equals the
 * export's `[since, till]` on every store, and it is exactly what the window's history count
 * counted, so the number of versions staged is compared with that count.
 */
import type { ExportManifest } from "../fhir/types";
import type { SelfStageOrder } from "./activityRegistry";
import { SOFT_DELETED_EXTENSION_URL } from "../fhir/types";
import { arrayElements, objectMembers, wholeSpan } from "./rawJson";

export interface SelfStageSettings {
  maxVersions: number;
  pageSize: number;
  concurrency: number;
  requestBudget: number;
}

export interface SelfStageExportSettings {
  withHistory: boolean;
  withDelete: boolean;
  anonymizationConfig: string | undefined;
}

/** What the pass planner needs; maxVersions 0 = self-staging is off. */
export interface SelfStagePolicy {
  maxVersions: number;
  concurrency: number;
  requestBudget: number;
}

/**
 * Why the export settings rule self-staging out, or undefined. `_history` holds every version,
 * deleted ones included: it stages what an export with history and deletes holds, and a
 * de-identified export is transformed by the server, which the tool cannot reproduce.
 */
export function selfStageUnavailable(ex: SelfStageExportSettings): string | undefined {
  if (!ex.withHistory || !ex.withDelete)
    return "self-staging needs AZURE_ExportWithHistory and AZURE_ExportWithDelete (it stages every version, as _history holds them)";
  if (ex.anonymizationConfig !== undefined)
    return "self-staging is off for de-identified export (the server transforms the data)";
  return undefined;
}

export function selfStagePolicy(
  ex: SelfStageExportSettings,
  self: SelfStageSettings,
): SelfStagePolicy {
  return {
    maxVersions: selfStageUnavailable(ex) === undefined ? self.maxVersions : 0,
    concurrency: self.concurrency,
    requestBudget: self.requestBudget,
  };
}

/** Whether a window counted at `expectedCount` versions is staged by the tool rather than exported. */
export function isSmallWindow(expectedCount: number, policy: SelfStagePolicy): boolean {
  return policy.maxVersions > 0 && expectedCount <= policy.maxVersions;
}

/** What a pass stages itself: planned chunks by seq, and the window it plans, if small. */
export interface SelfStageChoice {
  chunks: Map<number, SelfStageOrder>;
  /** The order PlanNextWindow carries: stage the window it plans if that one is small. */
  nextWindow: SelfStageOrder | undefined;
}

/**
 * The planned small chunks this pass stages itself (chunk order, at most `concurrency`, and the
 * window the pass plans when `planning` and a place is left), each with its share of the pass's
 * request budget and of the `importSlots` import slots the pass leaves free (shared evenly, the
 * earlier taking the remainder): the staging activity builds the window's payloads and starts that
 * many of their imports. Other small chunks wait for a later pass (the next one follows at once,
 * since staging changes the state); large ones are exported.
 */
export function chooseSelfStaged(
  planned: readonly { seq: number; expectedCount: number }[],
  policy: SelfStagePolicy,
  importSlots: number,
  planning: boolean,
): SelfStageChoice {
  if (policy.maxVersions <= 0) return { chunks: new Map(), nextWindow: undefined };
  const small = planned
    .filter((c) => isSmallWindow(c.expectedCount, policy))
    .sort((a, b) => a.seq - b.seq)
    .slice(0, policy.concurrency);
  const withNext = planning && small.length < policy.concurrency;
  const n = small.length + (withNext ? 1 : 0);
  const pages = Math.max(1, Math.floor(policy.requestBudget / Math.max(1, n)));
  const slots = Math.max(0, importSlots);
  const order = (i: number): SelfStageOrder => ({
    pages,
    importSlots: Math.floor(slots / n) + (i < slots % n ? 1 : 0),
  });
  return {
    chunks: new Map(small.map((c, i) => [c.seq, order(i)])),
    nextWindow: withNext ? order(small.length) : undefined,
  };
}

export interface StageWindow {
  since: string;
  till: string;
  /** Per-type chunk: `{type}/_history`; otherwise the system-level `_history`. */
  resourceType: string | undefined;
}

/** The first page of the window's history, oldest first. */
export function historyPath(window: StageWindow, pageSize: number): string {
  const base = window.resourceType === undefined ? "_history" : `${window.resourceType}/_history`;
  return `${base}?_since=${encodeURIComponent(window.since)}&_before=${encodeURIComponent(window.till)}&_count=${pageSize}`;
}

export interface HistoryVersion {
  resourceType: string;
  id: string;
  versionId: string;
  lastUpdatedMs: number;
  deleted: boolean;
  /** The NDJSON line `$export` writes for it (without the line end). */
  line: string;
}

export type PageRead = { ok: true; versions: HistoryVersion[] } | { ok: false; reason: string };

interface RawResource {
  resourceType?: unknown;
  id?: unknown;
  meta?: { versionId?: unknown; lastUpdated?: unknown; extension?: unknown };
}

/** The empty instance of a soft-deleted version with the deleted-state extension, as export writes it. */
export function deletedLine(
  text: string,
): { ok: true; line: string } | { ok: false; reason: string } {
  const parsed = JSON.parse(text) as RawResource & Record<string, unknown>;
  // Only a body that JSON round-trips unchanged may be re-serialized; the empty instance of a
  // soft delete (resourceType, id, meta) always does.
  if (JSON.stringify(parsed) !== text)
    return {
      ok: false,
      reason: `the deleted version ${String(parsed.resourceType)}/${String(parsed.id)} has a body that cannot be re-serialized exactly`,
    };
  const meta = (parsed.meta ?? {}) as Record<string, unknown>;
  const ext = Array.isArray(meta["extension"]) ? (meta["extension"] as unknown[]) : [];
  const present = ext.some(
    (e) =>
      typeof e === "object" &&
      e !== null &&
      typeof (e as { url?: unknown }).url === "string" &&
      (e as { url: string }).url.toLowerCase() === SOFT_DELETED_EXTENSION_URL.toLowerCase(),
  );
  if (!present)
    meta["extension"] = [...ext, { url: SOFT_DELETED_EXTENSION_URL, valueString: "soft-deleted" }];
  parsed.meta = meta;
  return { ok: true, line: JSON.stringify(parsed) };
}

/**
 * The versions of one `_history` page, each with its export line, from the response text. A
 * leading OperationOutcome (search.mode "outcome") is skipped. Anything the tool cannot read
 * exactly (an entry without a resource or request method, a resource without type, id, versionId
 * or lastUpdated) makes the page unreadable: the window is then exported instead.
 */
export function readHistoryPage(text: string): PageRead {
  try {
    return readEntries(text);
  } catch (error) {
    // RawJsonError or SyntaxError: a body the scanner or JSON.parse cannot read.
    if (error instanceof Error)
      return { ok: false, reason: `the history page is not valid JSON (${error.message})` };
    throw error;
  }
}

function readEntries(text: string): PageRead {
  const members = objectMembers(text, wholeSpan(text));
  const entry = members.find((m) => m.key === "entry");
  if (entry === undefined) return { ok: true, versions: [] };
  const versions: HistoryVersion[] = [];
  for (const element of arrayElements(text, entry.value)) {
    const fields = new Map(objectMembers(text, element).map((m) => [m.key, m.value]));
    const search = fields.get("search");
    const mode =
      search === undefined
        ? undefined
        : (JSON.parse(text.slice(search.start, search.end)) as { mode?: unknown }).mode;
    if (mode === "outcome") continue;
    const resource = fields.get("resource");
    if (resource === undefined) return { ok: false, reason: "a history entry has no resource" };
    const raw = text.slice(resource.start, resource.end);
    const parsed = JSON.parse(raw) as RawResource;
    if (parsed.resourceType === "OperationOutcome") continue;
    const request = fields.get("request");
    const method =
      request === undefined
        ? undefined
        : (JSON.parse(text.slice(request.start, request.end)) as { method?: unknown }).method;
    const { resourceType, id } = parsed;
    const versionId = parsed.meta?.versionId;
    const lastUpdated = parsed.meta?.lastUpdated;
    const lastUpdatedMs = typeof lastUpdated === "string" ? Date.parse(lastUpdated) : Number.NaN;
    if (
      typeof resourceType !== "string" ||
      typeof id !== "string" ||
      typeof versionId !== "string" ||
      Number.isNaN(lastUpdatedMs)
    ) {
      return {
        ok: false,
        reason: `a history entry lacks resourceType, id, meta.versionId or meta.lastUpdated (${raw.slice(0, 120)})`,
      };
    }
    if (typeof method !== "string")
      return {
        ok: false,
        reason: `the history entry of ${resourceType}/${id} version ${versionId} has no request.method (deleted or not cannot be told)`,
      };
    const deleted = method.toUpperCase() === "DELETE";
    let line = raw;
    if (deleted) {
      const d = deletedLine(raw);
      if (!d.ok) return d;
      line = d.line;
    }
    versions.push({ resourceType, id, versionId, lastUpdatedMs, deleted, line });
  }
  return { ok: true, versions };
}

/** The versions of one window, collected page by page, grouped into one file per type. */
export class StagedWindow {
  private readonly byType = new Map<string, HistoryVersion[]>();
  private readonly seen = new Set<string>();
  private readonly sinceMs: number;
  private readonly tillMs: number;
  /** Versions a page repeated (a continuation that resumed too early); written once. */
  duplicates = 0;

  constructor(private readonly window: StageWindow) {
    this.sinceMs = Date.parse(window.since);
    this.tillMs = Date.parse(window.till);
  }

  /** Adds a page's versions; a reason when one cannot belong to the window. */
  add(versions: readonly HistoryVersion[]): string | undefined {
    for (const v of versions) {
      if (v.lastUpdatedMs < this.sinceMs || v.lastUpdatedMs >= this.tillMs)
        return `${v.resourceType}/${v.id} version ${v.versionId} is outside the window [${this.window.since}, ${this.window.till})`;
      if (this.window.resourceType !== undefined && v.resourceType !== this.window.resourceType)
        return `${v.resourceType}/${v.id} is not of the window's type ${this.window.resourceType}`;
      const key = `${v.resourceType}/${v.id}/${v.versionId}`;
      if (this.seen.has(key)) {
        this.duplicates++;
        continue;
      }
      this.seen.add(key);
      let list = this.byType.get(v.resourceType);
      if (list === undefined) this.byType.set(v.resourceType, (list = []));
      list.push(v);
    }
    return undefined;
  }

  get count(): number {
    return this.seen.size;
  }

  /**
   * One file per type in type order (the order the export's manifest lists them), each in
   * lastUpdated order as the export reads them (stable: versions of one millisecond keep the
   * history's order).
   */
  files(): { type: string; lines: string[] }[] {
    return [...this.byType.keys()]
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map((type) => ({
        type,
        lines: [...(this.byType.get(type) ?? [])]
          .sort((a, b) => a.lastUpdatedMs - b.lastUpdatedMs)
          .map((v) => v.line),
      }));
  }
}

/** NDJSON text of a file: each line ends with a line feed, as the export writes it. */
export function ndjson(lines: readonly string[]): string {
  return lines.map((l) => `${l}\n`).join("");
}

/**
 * The manifest-equivalent of a self-staged window, shaped like the export's (2.2 of the export
 * status), so payload building, import, ledger and accounting read it unchanged.
 */
export function selfStagedManifest(
  files: readonly { type: string; url: string; count: number }[],
  transactionTime: string,
  request: string,
): ExportManifest {
  return {
    transactionTime,
    request,
    requiresAccessToken: false,
    output: files.map((f) => ({ type: f.type, url: f.url, count: f.count })),
    error: [],
  };
}
