import type { Bundle, BundleEntry, FhirResource } from "../../fhir/types";
import { mapWithConcurrency } from "../concurrency";
import type { ActivityResult, EngineDeps } from "../deps";
import { describeError } from "../failures";

/** Entries per batch Bundle: small enough for the server's request limits, large enough to be quick. */
const BATCH_SIZE = 100;
/** After this many failed attempts the step stops blocking imports; the failure stays in the cursor and the status. */
const MAX_ATTEMPTS = 3;

/**
 * Copies every custom SearchParameter from the source to the destination before imports, so imported
 * resources are indexed with them (docs/server-behaviour.md §6). Pages through all of them (no 1,000 cap), PUTs them
 * by id in batch Bundles, and checks every entry's outcome.
 */
export async function migrateSearchParameters(deps: EngineDeps): Promise<ActivityResult> {
  const cursor = await deps.state.getCursor();
  if (cursor.searchParametersMigrated) return { changed: false };
  const found: FhirResource[] = [];
  const failures: string[] = [];
  /** Refused for good by the destination (405 system-defined url, 400 code conflict): recorded, not retried. */
  const refused: string[] = [];
  /** 409 while a reindex job runs, 429 throttled: retried once the destination accepts writes again. */
  const deferred: string[] = [];
  let copied = 0;
  let written = 0;
  try {
    for await (const page of deps.source.searchPages("SearchParameter?_count=1000")) {
      for (const entry of page.entry ?? []) {
        if (entry.resource?.resourceType === "SearchParameter" && entry.resource.id !== undefined)
          found.push(entry.resource);
      }
    }
    // Re-copies (a SearchParameter changed in a later window) skip those the destination already holds
    // unchanged, so they do not pile up versions there.
    const changed = await mapWithConcurrency(found, 8, async (resource) => {
      const current = await deps.destination.read("SearchParameter", resource.id!);
      return current !== undefined && sameContent(current, resource) ? undefined : resource;
    });
    const toCopy = changed.filter((r): r is FhirResource => r !== undefined);
    copied += found.length - toCopy.length;
    for (let i = 0; i < toCopy.length; i += BATCH_SIZE) {
      const slice = toCopy.slice(i, i + BATCH_SIZE);
      const response = await deps.destination.batch(toBatch(slice));
      slice.forEach((resource, n) => {
        const status = response.entry?.[n]?.response?.status ?? "no response entry";
        const text =
          `SearchParameter/${resource.id}: ${status} ${outcomeText(response.entry?.[n])}`.trim();
        // Entry statuses are the bare code ("201") or code and reason ("201 Created").
        const kind = entryOutcome(status);
        if (kind === "ok") {
          copied++;
          written++;
        } else if (kind === "refused") refused.push(text);
        else if (kind === "deferred") deferred.push(text);
        else failures.push(text);
      });
    }
  } catch (error) {
    failures.push(describeError(error));
  }
  const ok = failures.length === 0 && refused.length === 0 && deferred.length === 0;
  // Waiting on the destination (a reindex job, throttling) is not a failed attempt: imports wait and
  // the copy is tried again on a later pass, until the destination accepts the writes.
  const waiting = failures.length === 0 && deferred.length > 0;
  const failure = ok
    ? undefined
    : [
        ...refused.map((r) => `refused by the destination: ${r}`),
        ...deferred.map(
          (d) => `waiting for the destination to accept it (a $reindex job runs): ${d}`,
        ),
        ...failures,
      ]
        .slice(0, 10)
        .join("; ")
        .slice(0, 4000);
  const { after: updated } = await deps.state.changeCursor((c) => {
    const attempts = waiting ? c.searchParameterAttempts : c.searchParameterAttempts + 1;
    return {
      ...c,
      searchParameterAttempts: attempts,
      // Refused parameters are final (retrying changes nothing): recorded and shown, imports go on.
      searchParametersMigrated: !waiting && (failures.length === 0 || attempts >= MAX_ATTEMPTS),
      searchParameterFailure: failure,
      // New or changed SearchParameters index only data written after them: existing data needs $reindex.
      reindexState: written > 0 ? "needed" : c.reindexState,
    };
  });
  deps.telemetry.trackEvent("SearchParameters", {
    Status: ok
      ? "Copied"
      : waiting
        ? "Waiting"
        : updated.searchParametersMigrated
          ? refused.length > 0 && failures.length === 0
            ? "Refused"
            : "GaveUp"
          : "Failed",
    Copied: copied,
    Failed: failures.length + refused.length + deferred.length,
    Refused: refused.length,
    Deferred: deferred.length,
    Total: found.length,
    FailureReason: failure ?? "",
  });
  deps.log(
    ok
      ? `copied ${copied} SearchParameter(s)`
      : waiting
        ? `SearchParameter copy waits for the destination: ${failure}`
        : `SearchParameter copy failed (attempt ${updated.searchParameterAttempts}): ${failure}`,
  );
  // Nothing to do at once while the destination refuses writes: the next try waits a poll interval.
  return { changed: !waiting || written > 0 };
}

/**
 * Batch entry statuses of a SearchParameter PUT in microsoft/fhir-server: 409 while a reindex job
 * runs (JobConflictException "Changes to search parameters are not allowed while a reindex job is in
 * progress", src/Microsoft.Health.Fhir.CosmosDb/Features/Storage/Registry/CosmosDbSearchParameterStatusDataStore.cs;
 * src/Microsoft.Health.Fhir.SqlServer/Features/Storage/Registry/SqlServerSearchParameterStatusDataStore.cs),
 * 405 for a system-defined url and 400 for a conflicting code
 * (src/Microsoft.Health.Fhir.Shared.Core/Features/Search/Parameters/SearchParameterValidator.cs);
 * a throttled entry makes the rest of the batch answer 429. The status is the bare code ("201") or
 * code and reason ("201 Created").
 */
export function entryOutcome(status: string): "ok" | "refused" | "deferred" | "failed" {
  const code = /^\s*(\d{3})\b/.exec(status)?.[1];
  if (code === undefined) return "failed";
  if (code.startsWith("2")) return "ok";
  if (code === "405" || code === "400") return "refused";
  if (code === "409" || code === "429") return "deferred";
  return "failed";
}

function withoutMeta(resource: FhirResource): string {
  const { meta: _meta, ...rest } = resource;
  return JSON.stringify(rest, Object.keys(rest).sort());
}

function sameContent(a: FhirResource, b: FhirResource): boolean {
  return withoutMeta(a) === withoutMeta(b);
}

function toBatch(resources: FhirResource[]): Bundle {
  return {
    resourceType: "Bundle",
    type: "batch",
    entry: resources.map((resource) => {
      const { meta: _meta, ...rest } = resource;
      return {
        resource: rest as FhirResource,
        request: { method: "PUT", url: `SearchParameter/${resource.id}` },
      };
    }),
  };
}

function outcomeText(entry: BundleEntry | undefined): string {
  return (
    entry?.response?.outcome?.issue?.map((i) => i.diagnostics ?? i.details?.text ?? "").join(" ") ??
    ""
  );
}
