/**
 * Search paging helpers for the checks: reading ids and versions out of search and history
 * Bundles, and resuming a paged read in a later activity from the `next` link (followed verbatim,
 * docs/server-behaviour.md §5.2), so no single activity has to read a whole large type.
 */
import { isFhirOperationError } from "../errors";
import { isResourceEntry } from "../fhir/client";
import type { Bundle, BundleEntry, FhirClient, FhirResource } from "../fhir/types";

/** The largest page the servers return (`_count` above 1000 is clamped, docs/server-behaviour.md §5.2). */
export const PAGE_SIZE = 1000;

/** Resource entries of a page: the leading OperationOutcome entry (search.mode "outcome") is not one. */
export function resourceEntries(bundle: Bundle): BundleEntry[] {
  return (bundle.entry ?? []).filter((e) => e.search?.mode !== "outcome");
}

const ID_IN_URL = /(?:^|\/)([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?\/?$/;

/** The id of an entry of the given type, from its resource or, for a history delete without a body, its URLs. */
export function entryId(entry: BundleEntry, type: string): string | undefined {
  const resource = entry.resource;
  if (resource !== undefined) {
    return resource.resourceType === type && typeof resource.id === "string"
      ? resource.id
      : undefined;
  }
  for (const url of [entry.request?.url, entry.fullUrl]) {
    const m = url === undefined ? null : ID_IN_URL.exec(url);
    if (m !== null && m[1] === type) return m[2];
  }
  return undefined;
}

/** The next-page link as a path relative to the client's base URL, or null on the last page. */
export function nextPath(client: FhirClient, bundle: Bundle): string | null {
  const next = bundle.link?.find((l) => l.relation === "next")?.url;
  if (next === undefined || next === "") return null;
  // Compared as URLs: the host's letter case and a default port may be written differently.
  const base = new URL(`${client.baseUrl}/`);
  const url = new URL(next, base);
  if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) {
    throw new Error(
      `The server's next-page link is not under its base URL ${client.baseUrl}; cannot resume paging from it`,
    );
  }
  return `${url.pathname.slice(base.pathname.length)}${url.search}`;
}

export interface PagedReadLimits {
  maxPages: number;
  budgetMs: number;
  now: () => number;
}

/**
 * Reads pages from `path` (a first query or a resumed cursor) until the last page or a limit, and
 * returns where to resume (null when done). It stops on a limit only after a page with entries:
 * a run of empty pages is then read in one call, where the client's empty-page budget
 * (EMPTY_PAGE_BUDGET in src/fhir/client.ts) ends it with an error instead of resuming it for ever.
 */
export async function readPages(
  client: FhirClient,
  path: string,
  limits: PagedReadLimits,
  onPage: (bundle: Bundle) => Promise<void> | void,
): Promise<{ cursor: string | null; pages: number }> {
  const started = limits.now();
  let pages = 0;
  for await (const bundle of client.searchPages(path)) {
    await onPage(bundle);
    pages++;
    const cursor = nextPath(client, bundle);
    if (cursor === null) return { cursor: null, pages };
    const held = bundle.entry?.some(isResourceEntry) === true;
    if (held && (pages >= limits.maxPages || limits.now() - started >= limits.budgetMs)) {
      return { cursor, pages };
    }
  }
  return { cursor: null, pages };
}

export interface StoredVersionView {
  versionId: string;
  lastUpdated: string | undefined;
  deleted: boolean;
  resource: FhirResource | undefined;
}

export function versionOf(entry: BundleEntry): string | undefined {
  const fromMeta = entry.resource?.meta?.versionId;
  if (typeof fromMeta === "string" && fromMeta !== "") return fromMeta;
  const etag = entry.response?.etag;
  const m = etag === undefined ? null : /^(?:W\/)?"?([^"]+)"?$/.exec(etag);
  return m?.[1];
}

/**
 * Every version of one resource from `{Type}/{id}/_history`, deleted ones marked (history entries of
 * a delete carry `request.method` DELETE, docs/server-behaviour.md §5.2). Empty when the server has no version of
 * it (404, as for a hard-deleted resource).
 */
export async function listVersions(
  client: FhirClient,
  type: string,
  id: string,
): Promise<StoredVersionView[]> {
  const versions: StoredVersionView[] = [];
  try {
    for await (const bundle of client.searchPages(
      `${type}/${encodeURIComponent(id)}/_history?_count=${PAGE_SIZE}`,
    )) {
      for (const entry of resourceEntries(bundle)) {
        const versionId = versionOf(entry);
        if (versionId === undefined) {
          throw new Error(
            `${client.baseUrl}: a _history entry of ${type}/${id} has neither meta.versionId nor an ETag`,
          );
        }
        const deleted = entry.request?.method?.toUpperCase() === "DELETE";
        versions.push({
          versionId,
          lastUpdated: entry.resource?.meta?.lastUpdated ?? entry.response?.lastModified,
          deleted,
          resource: deleted ? undefined : entry.resource,
        });
      }
    }
  } catch (thrown) {
    if (isFhirOperationError(thrown) && thrown.status === 404) return [];
    throw thrown;
  }
  return versions;
}
