/**
 * The FhirClient of one server (source or destination): $export / $import kick-off, status and
 * cancel, counts, search paging and the few single-resource calls the engine needs. Every call
 * goes through FhirHttp (auth, timeout, retries); this file maps the protocol's statuses and
 * bodies (docs/server-behaviour.md §0-§5) to results or errors.
 */
import type { TokenCredential } from "@azure/identity";
import type { ServerSettings, Settings } from "../config/settings";
import { FhirOperationError } from "../errors";
import { createCredential, createTokenProvider, credentialKind, tokenScope } from "./auth";
import type { HttpRequest } from "./http";
import { FhirHttp } from "./http";
import type { HttpAnswer } from "./outcome";
import { describeBody, failedAnswer, parseJsonBody, unexpectedAnswer } from "./outcome";
import { redactUrl } from "./redact";
import type { Jitter, RetryEvent } from "./retry";
import { realSleep } from "./retry";
import { countInParts } from "./countSplit";
import { countPath, exportPath, isoInstant, oldestPath, resourcePath } from "./query";
import type {
  Bundle,
  BundleEntry,
  CountQuery,
  ExportRequest,
  ExportStatus,
  FhirClient,
  FhirResource,
  ImportParameters,
  ImportStatus,
  ReindexStatus,
  VersionRead,
} from "./types";
import { checkBundle, checkExportManifest, checkImportResult, checkResource } from "./wire";
import { ServerClock } from "./serverClock";

export interface FhirClientDeps {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Overrides the credential derived from `server.auth` (tests, or a shared credential). */
  credential?: TokenCredential;
  random?: () => number;
  now?: () => number;
  /** Backoff jitter; "full" unless set. */
  jitter?: Jitter;
  /** Called before each retry wait (for logs); never receives a token. */
  onRetry?: (event: RetryEvent) => void;
}

/** Import status polls may be held ~60 s by the server (docs/server-behaviour.md §4.1). */
export const IMPORT_STATUS_MIN_TIMEOUT_MS = 120_000;

const FHIR_JSON = "application/fhir+json";
const ASYNC_HEADERS = { Accept: FHIR_JSON, Prefer: "respond-async" } as const;
/** Status endpoints answer `application/json` (docs/server-behaviour.md §2.1), not FHIR resources. */
const STATUS_HEADERS = { Accept: "application/json" } as const;

/** A failed job reported on its status URL: final, even when the status is 500 or 429 (2.1, 4.1). */
const JOB_FAILED = /operation failed for reason/i;
const isJobFailure = (answer: HttpAnswer): boolean => JOB_FAILED.test(describeBody(answer.text));

const is2xx = (status: number): boolean => status >= 200 && status < 300;

/**
 * Pages without a resource entry, each linking a next page, that any paged read follows in a row
 * before giving up. Each is one server fill loop that ran out of time or was throttled
 * (microsoft/fhir-server src/Microsoft.Health.Fhir.CosmosDb/Features/Storage/CosmosFhirDataStore.cs);
 * a hundred in a row means the query cannot be answered now, which is an error to report, never
 * "nothing there".
 */
export const EMPTY_PAGE_BUDGET = 100;

/** Pages `firstEntry` follows before giving up: the same budget, with its own message. */
export const FIRST_ENTRY_PAGE_BUDGET = EMPTY_PAGE_BUDGET;

/** A version or resource entry: a leading OperationOutcome (search.mode "outcome") carries warnings only. */
export function isResourceEntry(entry: BundleEntry): boolean {
  return entry.search?.mode !== "outcome" && entry.resource?.resourceType !== "OperationOutcome";
}

/** Methods whose repetition in a batch does no harm (a batch of PUTs can be retried). */
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "PUT", "DELETE"]);

export function createFhirClient(
  server: ServerSettings,
  http: Settings["http"],
  deps: FhirClientDeps = {},
): FhirClient {
  const now = deps.now ?? Date.now;
  const credential = deps.credential ?? createCredential(server.auth);
  const tokens =
    credential === undefined
      ? undefined
      : createTokenProvider(
          credential,
          tokenScope(server.baseUrl),
          now,
          credentialKind(server.auth),
        );
  const serverClock = new ServerClock();
  const transport = new FhirHttp(
    {
      baseUrl: server.baseUrl,
      userAgent: http.userAgent,
      timeoutMs: http.timeoutMs,
      retry: { ...http.retry, jitter: deps.jitter },
    },
    {
      fetch: serverClock.observing(deps.fetch ?? globalThis.fetch, now),
      sleep: deps.sleep ?? realSleep,
      random: deps.random ?? Math.random,
      now,
      tokens,
      onRetry: deps.onRetry,
    },
  );
  const baseUrl = transport.baseUrl;

  /** The status URL of an accepted async request: Content-Location, on the server's origin. */
  function statusUrlOf(answer: HttpAnswer, operation: string): string {
    const location = answer.headers.get("content-location");
    if (location === null || location.trim() === "") {
      throw unexpectedAnswer(
        answer,
        `a Content-Location header with the ${operation} status URL on 202 Accepted`,
      );
    }
    let resolved: string;
    try {
      resolved = new URL(location.trim(), `${baseUrl}/`).href;
    } catch {
      throw unexpectedAnswer(answer, `a valid status URL in Content-Location`);
    }
    if (!transport.isSameOrigin(resolved)) {
      throw unexpectedAnswer(
        answer,
        `a status URL on ${new URL(baseUrl).origin}, not ${redactUrl(resolved)}`,
      );
    }
    // The status URL is stored in the job table and polled from there: one carrying a credential
    // (`sig=`, `code=`, user info) would be a secret at rest; the servers' never do.
    if (redactUrl(resolved) !== resolved) {
      throw unexpectedAnswer(
        answer,
        `a status URL without credentials in it, not ${redactUrl(resolved)}`,
      );
    }
    return resolved;
  }

  function accepted(answer: HttpAnswer, operation: string): { statusUrl: string } {
    if (answer.status === 202) return { statusUrl: statusUrlOf(answer, operation) };
    if (is2xx(answer.status)) {
      throw unexpectedAnswer(
        answer,
        `202 Accepted with a Content-Location header (asynchronous ${operation})`,
      );
    }
    throw failedAnswer(answer, `${operation} kick-off`);
  }

  async function getBundle(
    url: string,
    options: Pick<HttpRequest, "retryTimeouts"> = {},
  ): Promise<{ answer: HttpAnswer; bundle: Bundle }> {
    const answer = await transport.request({
      method: "GET",
      url,
      headers: { Accept: FHIR_JSON },
      idempotent: true,
      ...options,
    });
    if (answer.status !== 200) throw failedAnswer(answer);
    const checked = checkBundle(parseJsonBody(answer, "a FHIR Bundle"));
    if (!checked.ok) throw unexpectedAnswer(answer, `a FHIR Bundle (${checked.problems})`);
    return { answer, bundle: checked.value };
  }

  /** One `_summary=count`; a timeout is not retried, the caller cuts the range instead. */
  async function countOnce(query: CountQuery): Promise<number> {
    const { answer, bundle } = await getBundle(transport.url(countPath(query)), {
      retryTimeouts: false,
    });
    if (typeof bundle.total !== "number" || !Number.isInteger(bundle.total) || bundle.total < 0) {
      throw unexpectedAnswer(answer, "a Bundle with a numeric total (from _summary=count)");
    }
    return bundle.total;
  }

  function resourceOf(answer: HttpAnswer): FhirResource {
    const checked = checkResource(parseJsonBody(answer, "a FHIR resource"));
    if (!checked.ok) throw unexpectedAnswer(answer, `a FHIR resource (${checked.problems})`);
    return checked.value;
  }

  async function* searchPages(pathAndQuery: string): AsyncGenerator<Bundle> {
    for await (const page of searchPagesText(pathAndQuery)) yield page.bundle;
  }

  async function* searchPagesText(
    pathAndQuery: string,
  ): AsyncGenerator<{ bundle: Bundle; text: string; requestCharge: number | undefined }> {
    let url = transport.url(pathAndQuery);
    const visited = new Set<string>();
    let empty = 0;
    for (;;) {
      visited.add(url);
      const { answer, bundle } = await getBundle(url);
      const charge = Number.parseFloat(answer.headers.get("x-ms-request-charge") ?? "");
      yield {
        bundle,
        text: answer.text,
        requestCharge: Number.isFinite(charge) ? charge : undefined,
      };
      const next = bundle.link?.find((l) => l.relation === "next")?.url;
      if (next === undefined || next === "") return;
      empty = bundle.entry?.some(isResourceEntry) === true ? 0 : empty + 1;
      if (empty >= EMPTY_PAGE_BUDGET) {
        const query = redactUrl(transport.url(pathAndQuery));
        throw new FhirOperationError(
          `GET ${query}: ${empty} pages in a row held no entry and each linked a next page; gave up after ${EMPTY_PAGE_BUDGET} such pages (the server keeps ending its page fill early; try again later). Nothing after them was read.`,
          { method: "GET", url: query },
          "",
        );
      }
      if (!transport.isSameOrigin(next)) {
        throw new FhirOperationError(
          `${answer.method} ${answer.url}: the next-page link ${redactUrl(next)} is not an absolute URL on ${new URL(baseUrl).origin}; not following it (the access token must not be sent elsewhere)`,
          { method: answer.method, url: answer.url, status: answer.status },
          "",
        );
      }
      if (visited.has(next)) {
        throw unexpectedAnswer(answer, `a next-page link that differs from earlier pages`);
      }
      url = next;
    }
  }

  async function firstEntry(pathAndQuery: string): Promise<BundleEntry | undefined> {
    let pages = 0;
    for await (const page of searchPages(pathAndQuery)) {
      const entry = page.entry?.find(isResourceEntry);
      if (entry !== undefined) return entry;
      pages++;
      const more = page.link?.some((l) => l.relation === "next" && l.url !== "") === true;
      if (more && pages >= FIRST_ENTRY_PAGE_BUDGET) {
        const url = redactUrl(transport.url(pathAndQuery));
        throw new FhirOperationError(
          `GET ${url}: ${pages} pages in a row held no entry and each linked a next page; gave up after ${FIRST_ENTRY_PAGE_BUDGET} pages without an answer (the server keeps ending its page fill early; try again later)`,
          { method: "GET", url },
          "",
        );
      }
    }
    return undefined;
  }

  return {
    baseUrl,
    serverClock,

    async exportKickOff(request: ExportRequest) {
      // Not idempotent: the server creates a new export job for every request, even an identical
      // one (docs/server-behaviour.md §1.5). A retry after a timeout or reset could start a second export that
      // nobody tracks, so only answers proving the request was rejected are retried (http.ts).
      // The engine records its intent before this call and the status URL right after it.
      const answer = await transport.request({
        method: "GET",
        url: transport.url(exportPath(request)),
        headers: ASYNC_HEADERS,
        idempotent: false,
      });
      return accepted(answer, "export");
    },

    async exportStatus(statusUrl: string): Promise<ExportStatus> {
      const answer = await transport.request({
        method: "GET",
        url: statusUrl,
        headers: STATUS_HEADERS,
        idempotent: true,
        isFinalAnswer: isJobFailure,
      });
      if (answer.status === 202) return { state: "running" };
      if (answer.status === 200) {
        const checked = checkExportManifest(parseJsonBody(answer, "an export manifest"));
        if (!checked.ok) {
          throw unexpectedAnswer(
            answer,
            `an export manifest with transactionTime and an output array (${checked.problems})`,
          );
        }
        return { state: "completed", manifest: checked.value };
      }
      if (is2xx(answer.status)) {
        throw unexpectedAnswer(answer, "202 (running) or 200 with the export manifest");
      }
      throw failedAnswer(answer, "export status");
    },

    async cancelExport(statusUrl: string) {
      const answer = await transport.request({
        method: "DELETE",
        url: statusUrl,
        headers: STATUS_HEADERS,
        idempotent: true,
      });
      // 404: already cancelled, finished and cleaned up, or unknown (docs/server-behaviour.md §2.5).
      if (is2xx(answer.status) || answer.status === 404) return;
      throw failedAnswer(answer, "export cancel");
    },

    async importKickOff(body: ImportParameters) {
      // Idempotent on the server: the same body returns the same job (docs/server-behaviour.md §3.6), so
      // timeouts and resets may be retried.
      const answer = await transport.request({
        method: "POST",
        url: transport.url("$import"),
        headers: { ...ASYNC_HEADERS, "Content-Type": FHIR_JSON },
        body: JSON.stringify(body),
        idempotent: true,
      });
      return accepted(answer, "import");
    },

    async importStatus(statusUrl: string): Promise<ImportStatus> {
      const answer = await transport.request({
        method: "GET",
        url: statusUrl,
        headers: STATUS_HEADERS,
        timeoutMs: Math.max(http.timeoutMs, IMPORT_STATUS_MIN_TIMEOUT_MS),
        idempotent: true,
        isFinalAnswer: isJobFailure,
      });
      if (answer.status === 202) {
        // Running; once the orchestrator is done the 202 carries the partial result (4.1).
        if (answer.text.trim() === "") return { state: "running" };
        const checked = checkImportResult(parseJsonBody(answer, "an import result"));
        if (!checked.ok) {
          throw unexpectedAnswer(
            answer,
            `an empty body or a partial import result (${checked.problems})`,
          );
        }
        return { state: "running", partial: checked.value };
      }
      if (answer.status === 200) {
        const checked = checkImportResult(parseJsonBody(answer, "an import result"));
        if (!checked.ok) {
          throw unexpectedAnswer(
            answer,
            `an import result with transactionTime and output/error arrays (${checked.problems})`,
          );
        }
        return { state: "completed", result: checked.value };
      }
      if (is2xx(answer.status)) {
        throw unexpectedAnswer(answer, "202 (running) or 200 with the import result");
      }
      throw failedAnswer(answer, "import status");
    },

    async cancelImport(statusUrl: string) {
      const answer = await transport.request({
        method: "DELETE",
        url: statusUrl,
        headers: STATUS_HEADERS,
        idempotent: true,
      });
      // 409: already completed or failed; 404: unknown or archived (docs/server-behaviour.md §4.5).
      if (is2xx(answer.status) || answer.status === 404 || answer.status === 409) return;
      throw failedAnswer(answer, "import cancel");
    },

    async startReindex() {
      const answer = await transport.request({
        method: "POST",
        url: transport.url("$reindex"),
        headers: { Accept: FHIR_JSON, "Content-Type": FHIR_JSON },
        body: JSON.stringify({ resourceType: "Parameters", parameter: [] }),
        idempotent: false,
      });
      // $reindex answers 201 Created with the job, unlike $export/$import (docs/server-behaviour.md §6).
      if (answer.status === 201) return { statusUrl: statusUrlOf(answer, "reindex") };
      throw failedAnswer(answer, "reindex kick-off");
    },

    async reindexStatus(statusUrl: string): Promise<ReindexStatus> {
      const answer = await transport.request({
        method: "GET",
        url: statusUrl,
        headers: { Accept: FHIR_JSON },
        idempotent: true,
      });
      if (answer.status !== 200) throw failedAnswer(answer, "reindex status");
      const body = parseJsonBody(answer, "a reindex job (Parameters)") as {
        parameter?: { name?: string; valueString?: string; valueDecimal?: number }[];
      };
      const value = (name: string) => body.parameter?.find((p) => p.name === name);
      const status = value("status")?.valueString;
      if (status === undefined)
        throw unexpectedAnswer(answer, "a Parameters resource with a status parameter");
      if (/^(failed|canceled|cancelled)$/i.test(status))
        throw failedAnswer(answer, `reindex job ${status}`);
      return {
        state: /^completed$/i.test(status) ? "completed" : "running",
        status,
        progress: value("progress")?.valueDecimal,
        total: value("totalResourcesToReindex")?.valueDecimal,
      };
    },

    async count(query: CountQuery) {
      // Cut by time where the server refuses the count or cannot answer in time (countSplit.ts).
      return countInParts(query, countOnce, now());
    },

    async oldestLastUpdated(history: boolean) {
      const path = oldestPath(history);
      const first = await firstEntry(path);
      if (first === undefined) return undefined; // empty server: the links ended with no entry
      const lastUpdated =
        first.resource?.meta?.lastUpdated ??
        (first.response as { lastModified?: unknown } | undefined)?.lastModified;
      if (typeof lastUpdated !== "string" || Number.isNaN(Date.parse(lastUpdated))) {
        throw new FhirOperationError(
          `GET ${redactUrl(transport.url(path))}: expected entry[0].resource.meta.lastUpdated in the sorted Bundle`,
          { method: "GET", url: redactUrl(transport.url(path)) },
          JSON.stringify(first).slice(0, 300),
        );
      }
      // Truncates 7-digit server fractions to milliseconds: never later than the real value,
      // so it is safe as an inclusive lower bound.
      return isoInstant(lastUpdated);
    },

    firstEntry,

    searchPages,

    searchPagesText,

    async batch(bundle: Bundle) {
      const idempotent = (bundle.entry ?? []).every((e) =>
        IDEMPOTENT_METHODS.has((e.request?.method ?? "").toUpperCase()),
      );
      const answer = await transport.request({
        method: "POST",
        url: `${baseUrl}/`,
        headers: { Accept: FHIR_JSON, "Content-Type": FHIR_JSON },
        body: JSON.stringify(bundle),
        idempotent,
      });
      if (answer.status !== 200) throw failedAnswer(answer, "batch");
      const checked = checkBundle(parseJsonBody(answer, "a batch-response Bundle"));
      if (!checked.ok) {
        throw unexpectedAnswer(answer, `a batch-response Bundle (${checked.problems})`);
      }
      return checked.value;
    },

    async read(type: string, id: string) {
      const answer = await transport.request({
        method: "GET",
        url: transport.url(resourcePath(type, id)),
        headers: { Accept: FHIR_JSON },
        idempotent: true,
      });
      if (answer.status === 404 || answer.status === 410) return undefined;
      if (answer.status !== 200) throw failedAnswer(answer);
      return resourceOf(answer);
    },

    async vread(type: string, id: string, versionId: string): Promise<VersionRead> {
      const answer = await transport.request({
        method: "GET",
        url: transport.url(resourcePath(type, id, versionId)),
        headers: { Accept: FHIR_JSON },
        idempotent: true,
      });
      // The server answers 410 Gone for a version that is a delete.
      if (answer.status === 410) return { found: true, deleted: true };
      if (answer.status === 404) return { found: false };
      if (answer.status !== 200) throw failedAnswer(answer);
      return { found: true, deleted: false, resource: resourceOf(answer), text: answer.text };
    },

    async update(resource: FhirResource) {
      if (resource.id === undefined || resource.id === "") {
        throw new RangeError(
          `update needs a resource with an id (got a ${resource.resourceType} without one)`,
        );
      }
      const answer = await transport.request({
        method: "PUT",
        url: transport.url(resourcePath(resource.resourceType, resource.id)),
        headers: { Accept: FHIR_JSON, "Content-Type": FHIR_JSON },
        body: JSON.stringify(resource),
        idempotent: true,
      });
      if (answer.status !== 200 && answer.status !== 201) throw failedAnswer(answer, "update");
      return resourceOf(answer);
    },

    async delete(type: string, id: string) {
      const answer = await transport.request({
        method: "DELETE",
        url: transport.url(resourcePath(type, id)),
        headers: { Accept: FHIR_JSON },
        idempotent: true,
      });
      // Already absent or deleted: the post-condition holds.
      if (is2xx(answer.status) || answer.status === 404 || answer.status === 410) return;
      throw failedAnswer(answer, "delete");
    },
  };
}
