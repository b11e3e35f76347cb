/**
 * The emulator's resource store: every version of every resource, with the indexes search, history
 * and export need. Tests use it directly (no HTTP) to seed and inspect servers.
 *
 * Timestamps: every server-assigned lastUpdated comes from the clock and is strictly increasing
 * across the server, so time windows in tests are deterministic. Imported versions keep their own.
 */
import { randomUUID } from "node:crypto";
import type { FhirResource } from "../src/fhir/types";
import { isKnownResourceType } from "./fhir-resource-types";
import { formatLastUpdated } from "./instant";
import {
  emptyInstanceText,
  RESOURCE_ID_PATTERN,
  stringProperty,
  toLosslessObject,
  withServerMeta,
} from "./resource-body";
import type { LosslessObject } from "../src/core/losslessJson";
import { SortedIndex } from "./sorted-index";
import { StoredVersion, type WriteMethod } from "./stored-version";
import type { EmulatorClock } from "./types";

export { StoredVersion } from "./stored-version";

interface ResourceEntry {
  /** Ascending by version. */
  versions: StoredVersion[];
}

export interface NewVersion {
  resourceType: string;
  id: string;
  version: number;
  lastUpdatedMs: number;
  deleted: boolean;
  writeMethod: WriteMethod;
  text: string;
}

export class EmulatorStore {
  private seq = 0;
  private lastStamp = Number.NEGATIVE_INFINITY;
  private readonly entries = new Map<string, ResourceEntry>();
  private readonly allIndex = new SortedIndex();
  private readonly typeIndex = new Map<string, SortedIndex>();
  private readonly currentIndex = new SortedIndex();
  private readonly currentTypeIndex = new Map<string, SortedIndex>();

  constructor(private readonly clock: EmulatorClock) {}

  private sharedStamps = 0;

  /**
   * A server-assigned lastUpdated: the clock, bumped by 1 ms if needed to stay strictly increasing,
   * unless shareNextStamps asked for the same millisecond.
   */
  nextStamp(): number {
    // A shared stamp is the test's way of saying "these writes happened in the same millisecond":
    // it holds even when the clock has moved on meanwhile (a loaded machine), which is what made the
    // coincidence depend on timing.
    const shared = this.sharedStamps > 0 && Number.isFinite(this.lastStamp);
    if (shared) this.sharedStamps--;
    if (!shared) this.lastStamp = Math.max(this.clock.now(), this.lastStamp + 1);
    return this.lastStamp;
  }

  /**
   * The next `count` server stamps take the millisecond of the one before, whatever the clock says. Two API writes can share a lastUpdated millisecond on both stores: the SQL store
   * stamps from the transaction's surrogate id, 80,000 ids to a millisecond
   * (SqlServerFhirDataStore.MergeInternalAsync, `surrId.ToLastUpdated()`), the Cosmos store from
   * the clock at the write (ResourceWrapper.cs: `resource.LastUpdated ?? Clock.UtcNow`); an import then keeps the higher version of a
   * resource stamped twice in one millisecond and reports the other as a duplicate line
   * (SqlServerFhirDataStore.ImportResourcesAsync, import-merge.ts).
   */
  shareNextStamps(count = 1): void {
    this.sharedStamps += count;
  }

  /** POST semantics: keeps a given id (convenient for seeding), else assigns a UUID. Throws if it exists. */
  create(resource: FhirResource | string): StoredVersion {
    const obj = toLosslessObject(resource);
    const type = this.requireType(obj);
    const id = stringProperty(obj, "id") ?? randomUUID();
    if (this.entries.has(`${type}/${id}`)) throw new Error(`${type}/${id} already exists`);
    return this.writeVersion(obj, type, id, "POST");
  }

  /** PUT semantics: creates or adds a new version. */
  update(resource: FhirResource | string): StoredVersion {
    const obj = toLosslessObject(resource);
    const type = this.requireType(obj);
    const id = stringProperty(obj, "id");
    if (id === undefined) throw new Error("update needs resource.id");
    return this.writeVersion(obj, type, id, "PUT");
  }

  /** Adds a deleted version (empty instance); undefined when the resource is missing or already deleted. */
  softDelete(type: string, id: string): StoredVersion | undefined {
    const current = this.current(type, id);
    if (current === undefined || current.deleted) return undefined;
    const version = current.version + 1;
    const ms = this.nextStamp();
    return this.insertVersion({
      resourceType: type,
      id,
      version,
      lastUpdatedMs: ms,
      deleted: true,
      writeMethod: "PUT",
      text: emptyInstanceText(type, id, String(version), formatLastUpdated(ms)),
    });
  }

  /** Removes every version; true when something was removed. */
  hardDelete(type: string, id: string): boolean {
    const entry = this.entries.get(`${type}/${id}`);
    if (entry === undefined) return false;
    for (const v of entry.versions) {
      this.allIndex.remove(v);
      this.typeIndex.get(type)?.remove(v);
      if (v.isCurrent && !v.deleted) {
        this.currentIndex.remove(v);
        this.currentTypeIndex.get(type)?.remove(v);
      }
    }
    this.entries.delete(`${type}/${id}`);
    return true;
  }

  /** The current version if the resource exists and is not deleted. */
  read(type: string, id: string): StoredVersion | undefined {
    const current = this.current(type, id);
    return current?.deleted === true ? undefined : current;
  }

  /** The highest version, deleted or not. */
  current(type: string, id: string): StoredVersion | undefined {
    const versions = this.entries.get(`${type}/${id}`)?.versions;
    return versions?.[versions.length - 1];
  }

  vread(type: string, id: string, versionId: string): StoredVersion | undefined {
    return this.entries.get(`${type}/${id}`)?.versions.find((v) => v.versionId === versionId);
  }

  /** Every version of one resource, ascending by version. */
  history(type: string, id: string): StoredVersion[] {
    return [...(this.entries.get(`${type}/${id}`)?.versions ?? [])];
  }

  /** Every version of every resource, in (lastUpdated, insertion) order. */
  allVersions(): StoredVersion[] {
    return this.allIndex.toArray();
  }

  /** Current, not deleted versions (of one type, or all). */
  currentVersions(type?: string): StoredVersion[] {
    return this.index("current", type).toArray();
  }

  count(type?: string): number {
    return this.index("current", type).size;
  }

  /** Types with at least one stored version ("used resource types" of an export without `_type`). */
  usedTypes(): string[] {
    return [...this.typeIndex.entries()]
      .filter(([, idx]) => idx.size > 0)
      .map(([t]) => t)
      .sort();
  }

  index(kind: "current" | "all", type?: string): SortedIndex {
    if (type === undefined) return kind === "current" ? this.currentIndex : this.allIndex;
    const map = kind === "current" ? this.currentTypeIndex : this.typeIndex;
    return map.get(type) ?? new SortedIndex();
  }

  /** Low-level insert (import keeps versionId/lastUpdated); maintains current-version indexes. */
  insertVersion(nv: NewVersion): StoredVersion {
    const key = `${nv.resourceType}/${nv.id}`;
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { versions: [] };
      this.entries.set(key, entry);
    }
    if (entry.versions.some((v) => v.version === nv.version)) {
      throw new Error(`${key} already has version ${nv.version}`);
    }
    const v = new StoredVersion(
      nv.resourceType,
      nv.id,
      nv.version,
      nv.lastUpdatedMs,
      nv.deleted,
      nv.writeMethod,
      nv.text,
      ++this.seq,
    );
    const previous = entry.versions[entry.versions.length - 1];
    const at = entry.versions.findIndex((x) => x.version > nv.version);
    if (at === -1) entry.versions.push(v);
    else entry.versions.splice(at, 0, v);
    this.allIndex.insert(v);
    this.indexFor(this.typeIndex, nv.resourceType).insert(v);
    if (previous === undefined || v.version > previous.version) {
      if (previous !== undefined) {
        previous.isCurrent = false;
        if (!previous.deleted) {
          this.currentIndex.remove(previous);
          this.indexFor(this.currentTypeIndex, nv.resourceType).remove(previous);
        }
      }
      v.isCurrent = true;
      if (!v.deleted) {
        this.currentIndex.insert(v);
        this.indexFor(this.currentTypeIndex, nv.resourceType).insert(v);
      }
    }
    return v;
  }

  /** Writes the next version of a parsed resource with a server-assigned version and lastUpdated. */
  writeVersion(obj: LosslessObject, type: string, id: string, method: WriteMethod): StoredVersion {
    if (!RESOURCE_ID_PATTERN.test(id)) throw new Error(`invalid resource id '${id}'`);
    const version = (this.current(type, id)?.version ?? 0) + 1;
    const ms = this.nextStamp();
    return this.insertVersion({
      resourceType: type,
      id,
      version,
      lastUpdatedMs: ms,
      deleted: false,
      writeMethod: method,
      text: withServerMeta(obj, id, String(version), formatLastUpdated(ms)),
    });
  }

  private requireType(obj: LosslessObject): string {
    const type = stringProperty(obj, "resourceType");
    if (type === undefined || !isKnownResourceType(type)) {
      throw new Error(`unknown resourceType '${String(type)}'`);
    }
    return type;
  }

  private indexFor(map: Map<string, SortedIndex>, type: string): SortedIndex {
    let idx = map.get(type);
    if (idx === undefined) {
      idx = new SortedIndex();
      map.set(type, idx);
    }
    return idx;
  }
}
