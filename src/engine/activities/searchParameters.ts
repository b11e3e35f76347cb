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
 * resources are indexed with them (reference §6). Pages through all of them (no 1,000 cap), PUTs them
 * by id in batch Bundles, and checks every entry's outcome.
 */
export async function migrateSearchParameters(deps: EngineDeps): Promise<ActivityResult> {
  const cursor = await deps.state.getCursor();
  if (cursor.searchParametersMigrated) return { changed: false };
  const found: FhirResource[] = [];
  const failures: string[] = [];
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
        if (/^2\d\d/.test(status)) {
          copied++;
          written++;
        } else
          failures.push(
            `SearchParameter/${resource.id}: ${status} ${outcomeText(response.entry?.[n])}`.trim(),
          );
      });
    }
  } catch (error) {
    failures.push(describeError(error));
  }
  const ok = failures.length === 0;
  const failure = ok ? undefined : failures.slice(0, 10).join("; ").slice(0, 4000);
  const updated = await deps.state.updateCursor((c) => {
    const attempts = c.searchParameterAttempts + 1;
    return {
      ...c,
      searchParameterAttempts: attempts,
      searchParametersMigrated: ok || attempts >= MAX_ATTEMPTS,
      searchParameterFailure: failure,
      // New or changed SearchParameters index only data written after them: existing data needs $reindex.
      reindexState: written > 0 ? "needed" : c.reindexState,
    };
  });
  deps.telemetry.trackEvent("SearchParameters", {
    Status: ok ? "Copied" : updated.searchParametersMigrated ? "GaveUp" : "Failed",
    Copied: copied,
    Failed: failures.length,
    Total: found.length,
    FailureReason: failure ?? "",
  });
  deps.log(
    ok
      ? `copied ${copied} SearchParameter(s)`
      : `SearchParameter copy failed (attempt ${updated.searchParameterAttempts}): ${failure}`,
  );
  return { changed: true };
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
