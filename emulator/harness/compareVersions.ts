import type { FhirClient } from "../../src/fhir/types";

export interface VersionKey {
  type: string;
  id: string;
  versionId: string;
  deleted: boolean;
  /** Canonical JSON of the resource without meta (undefined for deleted versions without a body). */
  body: string | undefined;
}

export interface TypeComparison {
  type: string;
  sourceCurrent: number;
  destinationCurrent: number;
  sourceVersions: number;
  destinationVersions: number;
  missing: number;
  different: number;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Every version on a server, read through its system history (paged by `next`). */
export async function allVersions(client: FhirClient): Promise<Map<string, VersionKey>> {
  const versions = new Map<string, VersionKey>();
  for await (const page of client.searchPages("_history?_count=1000")) {
    for (const entry of page.entry ?? []) {
      const resource = entry.resource;
      const method = entry.request?.method;
      const [type, id, , vid] = (entry.request?.url ?? entry.fullUrl ?? "")
        .replace(/^.*?\/?([A-Z][A-Za-z]+\/[^/]+(\/_history\/[^/]+)?)$/, "$1")
        .split("/");
      const t = resource?.resourceType ?? type ?? "";
      const i = resource?.id ?? id ?? "";
      const v = resource?.meta?.versionId ?? vid ?? "";
      let body: string | undefined;
      if (resource !== undefined) {
        const { meta: _meta, ...rest } = resource;
        body = canonical(rest);
      }
      versions.set(`${t}/${i}/${v}`, {
        type: t,
        id: i,
        versionId: v,
        deleted: method === "DELETE",
        body,
      });
    }
  }
  return versions;
}

/** Compares every source version with the destination's; differences are listed, never just counted. */
export async function compareAllVersions(
  source: FhirClient,
  destination: FhirClient,
): Promise<{ rows: TypeComparison[]; problems: string[] }> {
  const [src, dst] = await Promise.all([allVersions(source), allVersions(destination)]);
  const rows = new Map<string, TypeComparison>();
  const row = (type: string) => {
    let r = rows.get(type);
    if (r === undefined) {
      r = {
        type,
        sourceCurrent: 0,
        destinationCurrent: 0,
        sourceVersions: 0,
        destinationVersions: 0,
        missing: 0,
        different: 0,
      };
      rows.set(type, r);
    }
    return r;
  };
  const problems: string[] = [];
  for (const [key, v] of src) {
    const r = row(v.type);
    r.sourceVersions++;
    const other = dst.get(key);
    if (other === undefined) {
      r.missing++;
      if (problems.length < 20) problems.push(`missing on destination: ${key}`);
    } else if (
      other.deleted !== v.deleted ||
      (v.body !== undefined && other.body !== undefined && other.body !== v.body)
    ) {
      r.different++;
      if (problems.length < 20) problems.push(`differs: ${key}`);
    }
  }
  for (const v of dst.values()) row(v.type).destinationVersions++;
  for (const r of rows.values()) {
    [r.sourceCurrent, r.destinationCurrent] = await Promise.all([
      source.count({ type: r.type }),
      destination.count({ type: r.type }),
    ]);
  }
  return { rows: [...rows.values()].sort((a, b) => a.type.localeCompare(b.type)), problems };
}
