/**
 * How one processing unit of an $import is merged into the store (docs/server-behaviour.md §4.3 / §4.4,
 * SqlServerFhirDataStore.ImportResourcesAsync), IncrementalLoad unless noted:
 * - meta.lastUpdated kept (truncated to ms; > 10 s in the future is an error line);
 * - meta.versionId kept when lastUpdated is present and the version is an integer;
 * - the deleted-state extension is removed and the version stored as deleted;
 * - duplicates in the unit (type, id, lastUpdated): the highest version wins, the rest are errors;
 * - the same version already stored with the same content is a success (idempotent re-import),
 *   with different content (or out of lastUpdated order) a version conflict;
 * - without lastUpdated, a normal upsert (next version, now).
 * InitialLoad: lastUpdated = now, version 1; an id that already exists is a duplicate error.
 */
import { indexFailure, type IndexFailure } from "./decimal";
import { parseRefusal } from "./fhir-parse";
import { isKnownResourceType } from "./fhir-resource-types";
import { formatLastUpdated, parseInstant } from "./instant";
import { isLosslessObject, parseLossless, type LosslessObject } from "../src/core/losslessJson";
import * as msg from "./messages";
import {
  metaOf,
  removeSoftDeletedExtension,
  RESOURCE_ID_PATTERN,
  stringProperty,
  withServerMeta,
} from "./resource-body";
import type { EmulatorStore } from "./store";
import type { StoredVersion } from "./stored-version";
import type { Flavour } from "./types";

const FUTURE_TOLERANCE_MS = 10_000;

export interface UnitLine {
  /**
   * Line number within the processing unit as the server reports it: 1-based, counting only
   * non-empty lines (ImportResourceLoader.cs increments currentIndex before each yielded line).
   */
  index: number;
  text: string;
}

export interface MergeOptions {
  store: EmulatorStore;
  flavour: Flavour;
  mode: "IncrementalLoad" | "InitialLoad";
  declaredType?: string;
  allowNegativeVersions: boolean;
  now: number;
  /** Injected errors (import-partial-errors fault): returns a message for lines to fail. */
  injectError?: (id: string, line: number) => string | undefined;
}

export interface UnitOutcome {
  succeeded: number;
  errors: { line: number; message: string }[];
  /**
   * Set when a resource of the batch holds an indexed value of 1e18 or more: nothing of the batch
   * was merged and the processing job fails (see mergeUnit) with `status` and `message`.
   */
  overflow?: { line: number; status: 400 | 500; message: string };
}

interface Candidate {
  line: number;
  type: string;
  id: string;
  obj: LosslessObject;
  lu?: number;
  ver?: number;
  deleted: boolean;
  overflows?: IndexFailure;
}

/** Parses and validates one line; a string is the error line's message. */
function candidate(line: UnitLine, o: MergeOptions): Candidate | string {
  let value;
  try {
    value = parseLossless(line.text);
  } catch (error) {
    return (error as Error).message;
  }
  if (!isLosslessObject(value)) return "Invalid resource: a resource must be a JSON object.";
  const type = stringProperty(value, "resourceType") ?? "";
  if (o.declaredType !== undefined && type !== o.declaredType) return msg.RESOURCE_TYPE_NOT_MATCH;
  if (type === "SearchParameter") return msg.SEARCH_PARAMETER_NOT_IMPORTABLE;
  if (!isKnownResourceType(type)) return `Unknown resource type '${type}'.`;
  // FirelyImportResourceParser.Parse: the same parse as a REST write (fhir-parse.ts).
  const refusal = parseRefusal(value);
  if (refusal !== undefined) return refusal;
  const id = stringProperty(value, "id") ?? "";
  if (!RESOURCE_ID_PATTERN.test(id)) return msg.invalidResourceId(id);
  const injected = o.injectError?.(id, line.index);
  if (injected !== undefined) return injected;
  const deleted = removeSoftDeletedExtension(value);
  const c: Candidate = { line: line.index, type, id, obj: value, deleted };
  // SQL store only: an indexed value decimal(36,18) cannot hold (see mergeUnit).
  if (o.flavour === "ahds") {
    const failure = indexFailure(value);
    if (failure !== undefined) c.overflows = failure;
  }
  if (o.mode === "InitialLoad") return c;
  const meta = metaOf(value);
  const luText = meta === undefined ? undefined : stringProperty(meta, "lastUpdated");
  if (luText !== undefined) {
    const lu = parseInstant(luText);
    if (lu === undefined) return msg.dateTimeMalformed(luText);
    if (lu > o.now + FUTURE_TOLERANCE_MS) return msg.LAST_UPDATED_IN_FUTURE;
    c.lu = lu;
    const verText = meta === undefined ? undefined : stringProperty(meta, "versionId");
    if (verText !== undefined && /^-?\d{1,9}$/.test(verText)) c.ver = Number(verText);
  }
  return c;
}

function textFor(c: Candidate, version: number, lu: number): string {
  return withServerMeta(c.obj, c.id, String(version), formatLastUpdated(lu));
}

function insert(store: EmulatorStore, c: Candidate, version: number, lu: number): void {
  store.insertVersion({
    resourceType: c.type,
    id: c.id,
    version,
    lastUpdatedMs: lu,
    deleted: c.deleted,
    writeMethod: "PUT",
    text: textFor(c, version, lu),
  });
}

function same(v: StoredVersion, c: Candidate, lu: number): boolean {
  return v.deleted === c.deleted && v.text === textFor(c, v.version, lu);
}

/** Merges one candidate; false = version conflict. */
function merge(store: EmulatorStore, c: Candidate, allowNegative: boolean): boolean {
  const versions = store.history(c.type, c.id);
  const last = versions[versions.length - 1];
  const lu = c.lu;
  if (lu === undefined) {
    insert(store, c, (last?.version ?? 0) + 1, store.nextStamp());
    return true;
  }
  const sameLu = versions.find((v) => v.lastUpdatedMs === lu);
  if (c.ver !== undefined) {
    const ver = c.ver;
    const sameVer = versions.find((v) => v.version === ver);
    if (sameVer !== undefined) return sameVer.lastUpdatedMs === lu && same(sameVer, c, lu);
    if (sameLu !== undefined) return false;
    const prev = versions.filter((v) => v.version < ver).pop();
    const next = versions.find((v) => v.version > ver);
    if (
      (prev !== undefined && prev.lastUpdatedMs >= lu) ||
      (next !== undefined && next.lastUpdatedMs <= lu)
    ) {
      return false;
    }
    insert(store, c, ver, lu);
    return true;
  }
  if (sameLu !== undefined) return same(sameLu, c, lu);
  if (last === undefined || lu > last.lastUpdatedMs) {
    insert(store, c, (last?.version ?? 0) + 1, lu);
    return true;
  }
  // Older than the current version: look for a free version slot between its neighbours in time.
  const byTime = [...versions].sort((a, b) => a.lastUpdatedMs - b.lastUpdatedMs);
  const prev = byTime.filter((v) => v.lastUpdatedMs < lu).pop();
  const next = byTime.find((v) => v.lastUpdatedMs > lu) as StoredVersion;
  const lower = prev?.version ?? 0;
  if (next.version - lower > 1) {
    insert(store, c, lower + 1, lu);
    return true;
  }
  if (allowNegative && prev === undefined) {
    insert(store, c, Math.min(next.version, 0) - 1, lu);
    return true;
  }
  return false;
}

/**
 * Merges one transaction batch (SqlImporter.ImportResourcesInBuffer hands TransactionSize
 * resources at a time to SqlServerFhirDataStore.ImportResourcesAsync). On the SQL store a value
 * decimal(36,18) cannot hold throws while SqlClient writes the batch's index rows
 * (emulator/decimal.ts); neither SqlImporter nor ImportResourcesAsync catches it per resource, so
 * nothing of the batch is written and the processing job fails (ImportProcessingJob.cs): an
 * OverflowException (1e20 and more) with 400 and its message, anything else, the
 * SqlTruncateException of 1e18 up to 1e20 included, through the generic catch with no status,
 * which GetImportRequestHandler.cs answers as 500 "InternalServerError". Batches merged before stay.
 */
export function mergeUnit(lines: readonly UnitLine[], o: MergeOptions): UnitOutcome {
  const errors: UnitOutcome["errors"] = [];
  const candidates: Candidate[] = [];
  for (const line of lines) {
    const c = candidate(line, o);
    if (typeof c === "string") errors.push({ line: line.index, message: c });
    else candidates.push(c);
  }
  const overflowing = candidates.find((c) => c.overflows !== undefined);
  if (overflowing !== undefined) {
    const overflow =
      overflowing.overflows === "overflow"
        ? { line: overflowing.line, status: 400 as const, message: msg.ARITHMETIC_OVERFLOW }
        : { line: overflowing.line, status: 500 as const, message: msg.NUMERIC_TRUNCATION };
    return { succeeded: 0, errors: [], overflow };
  }

  const winners = new Map<string, Candidate>();
  for (const c of candidates) {
    const key = `${c.type}/${c.id}/${c.lu ?? ""}`;
    const held = winners.get(key);
    if (held === undefined) winners.set(key, c);
    else if ((c.ver ?? Number.NEGATIVE_INFINITY) > (held.ver ?? Number.NEGATIVE_INFINITY)) {
      errors.push({ line: held.line, message: msg.importDuplicate(held.id, held.line) });
      winners.set(key, c);
    } else errors.push({ line: c.line, message: msg.importDuplicate(c.id, c.line) });
  }

  let succeeded = 0;
  for (const c of [...winners.values()].sort((a, b) => a.line - b.line)) {
    if (o.mode === "InitialLoad") {
      if (o.store.current(c.type, c.id) !== undefined) {
        errors.push({ line: c.line, message: msg.importDuplicate(c.id, c.line) });
        continue;
      }
      insert(o.store, c, 1, o.store.nextStamp());
      succeeded++;
    } else if (merge(o.store, c, o.allowNegativeVersions)) succeeded++;
    else errors.push({ line: c.line, message: msg.importConflict(c.id, c.line) });
  }
  errors.sort((a, b) => a.line - b.line);
  return { succeeded, errors };
}
