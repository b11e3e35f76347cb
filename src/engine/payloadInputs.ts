/**
 * What each import payload sent, line by line: counted while the payload is built (each export file
 * is streamed once; every line is also checked against the exported window), stored next to the
 * payload body, and compared with the import result when the job ends (src/core/importAccounting.ts).
 */
import type { PayloadInputs, SentInput } from "../core/importAccounting";
import { accountImport, describeShortfall, inputUrlKey } from "../core/importAccounting";
import type { ChunkRecord, PayloadRecord } from "../core/migrationState";
import { chunkKey, payloadKey } from "../core/migrationState";
import { describeUnholdable, unholdableNumber } from "../core/indexedNumbers";
import type { ExportWindow } from "../core/windowMembership";
import { checkExportLine } from "../core/windowMembership";
import type { ImportParameters, ImportResult } from "../fhir/types";
import type { FailedResourceRecord } from "../storage/migrationStateStore";
import { mapWithConcurrency } from "./concurrency";
import type { EngineDeps } from "./deps";
import { payloadInputsBlobName } from "../core/stagingLayout";
import { PAYLOAD_CONTAINER } from "./deps";
import { partBlobUrl } from "./importIsolation";
import { loadManifest } from "./manifests";

/** Export files of one payload read at once while building it. */
const SCAN_CONCURRENCY = 4;
/** Most rows recorded per payload for lines outside the window; the count is always exact. */
const MAX_OUTLIER_ROWS = 1000;
/** Row-key tag of window rows in the failed-resources partition (import failures use none). */
export const OUTSIDE_WINDOW_TAG = "w";

/** The blob holding a payload's sent inputs, next to its body (src/core/stagingLayout.ts). */
export const inputsBlobName = payloadInputsBlobName;

/**
 * The window a chunk's export files must hold. `_till` is exclusive only on the SQL store's
 * parallel path: a system-level export from an AHDS FHIR service (`*.fhir.azurehealthcareapis.com`).
 */
export function exportWindowOf(
  deps: Pick<EngineDeps, "settings">,
  chunk: ChunkRecord,
): ExportWindow {
  let ahds = false;
  try {
    ahds = new URL(deps.settings.source.baseUrl).hostname
      .toLowerCase()
      .endsWith(".fhir.azurehealthcareapis.com");
  } catch {
    ahds = false;
  }
  return {
    since: chunk.since,
    till: chunk.till,
    tillInclusive: chunk.resourceType !== undefined || !ahds,
    checkLastUpdated: deps.settings.export.anonymizationConfig === undefined,
    ...(chunk.resourceType === undefined ? {} : { resourceType: chunk.resourceType }),
  };
}

function inputsOf(body: ImportParameters): { url: string; type: string }[] {
  const inputs: { url: string; type: string }[] = [];
  for (const p of body.parameter) {
    if (p.name !== "input") continue;
    const url = p.part?.find((x) => x.name === "url")?.valueUri;
    const type = p.part?.find((x) => x.name === "type")?.valueString;
    if (url !== undefined) inputs.push({ url, type: type ?? "" });
  }
  return inputs;
}

export interface ScannedPayload {
  /** What the payload sends: a screened file's filtered copy in its place. */
  inputs: SentInput[];
  /** The body to store: screened files replaced by their filtered copies (dropped when empty). */
  body: ImportParameters;
  /** Lines that do not belong to the window (at most MAX_OUTLIER_ROWS of them). */
  outliers: FailedResourceRecord[];
  outlierCount: number;
  /** Lines kept out because the destination's index cannot hold them (every one recorded). */
  screened: FailedResourceRecord[];
}

/** Folder of the filtered copies, in the staging container of the file they come from. */
export const SCREENED_FOLDER = "fhir-migrate-screened";

interface ScreenedLine {
  line: number;
  record: FailedResourceRecord;
}

/**
 * Streams every export file of one payload: counts its non-empty lines (the lines the server
 * imports, ImportResourceLoader.cs skips empty ones), checks each against the window and, with
 * AZURE_ImportScreening, for an indexed number the destination cannot hold
 * (core/indexedNumbers.ts). A file with such lines is sent as a filtered copy without them, so
 * its job imports the rest; they are recorded as refused, with the value named.
 */
export async function scanPayloadInputs(
  deps: EngineDeps,
  chunk: ChunkRecord,
  payloadIndex: number,
  body: ImportParameters,
): Promise<ScannedPayload> {
  const window = exportWindowOf(deps, chunk);
  const outliers: FailedResourceRecord[] = [];
  let outlierCount = 0;
  const screenedByUrl = new Map<string, ScreenedLine[]>();
  const scanned = await mapWithConcurrency(inputsOf(body), SCAN_CONCURRENCY, async (input, i) => {
    let lines = 0;
    const screened: ScreenedLine[] = [];
    for await (const line of deps.staging.readLinesByUrl(input.url)) {
      if (line.length === 0) continue;
      lines++;
      const unholdable = deps.settings.import.screening ? unholdableNumber(line) : undefined;
      if (unholdable !== undefined) {
        const check = checkExportLine(line, input.type, window);
        screened.push({
          line: lines,
          record: screenedRecord(chunk, payloadIndex, input, i, lines, line, check, unholdable),
        });
        continue;
      }
      const check = checkExportLine(line, input.type, window);
      if (check.belongs) continue;
      outlierCount++;
      if (outliers.length < MAX_OUTLIER_ROWS) {
        outliers.push({
          chunkSeq: chunk.seq,
          payloadIndex,
          resourceType: check.resourceType,
          id: check.id,
          reason: `${check.reason} (line ${lines} of the export file)`,
          inputUrl: input.url,
        });
      }
    }
    if (screened.length === 0) return { url: input.url, type: input.type, lines };
    screenedByUrl.set(input.url, screened);
    const copy = await writeFilteredCopy(deps, chunk.seq, payloadIndex, i, input.url, screened);
    return { url: copy, type: input.type, lines: lines - screened.length, original: input.url };
  });
  const sent = scanned.filter((s) => s.lines > 0);
  const copies = new Map(scanned.map((s) => ["original" in s ? s.original : s.url, s]));
  const kept = body.parameter.filter((p) => {
    if (p.name !== "input") return true;
    const url = p.part?.find((x) => x.name === "url")?.valueUri;
    return url === undefined || (copies.get(url)?.lines ?? 1) > 0;
  });
  const rewritten: ImportParameters = {
    ...body,
    parameter: kept.map((p) =>
      p.name !== "input"
        ? p
        : {
            ...p,
            part: p.part?.map((x) =>
              x.name === "url" && x.valueUri !== undefined
                ? { ...x, valueUri: copies.get(x.valueUri)?.url ?? x.valueUri }
                : x,
            ),
          },
    ),
  };
  return {
    inputs: sent.map((s) => ({ url: s.url, type: s.type, lines: s.lines })),
    body: rewritten,
    outliers,
    outlierCount,
    screened: [...screenedByUrl.values()].flat().map((s) => s.record),
  };
}

function screenedRecord(
  chunk: ChunkRecord,
  payloadIndex: number,
  input: { url: string; type: string },
  inputIndex: number,
  line: number,
  text: string,
  check: ReturnType<typeof checkExportLine>,
  unholdable: NonNullable<ReturnType<typeof unholdableNumber>>,
): FailedResourceRecord {
  let parsed: { resourceType?: unknown; id?: unknown; meta?: { versionId?: unknown } } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    parsed = {};
  }
  const version = parsed.meta?.versionId;
  return {
    chunkSeq: chunk.seq,
    payloadIndex,
    resourceType: typeof parsed.resourceType === "string" ? parsed.resourceType : input.type,
    id: typeof parsed.id === "string" ? parsed.id : "(unknown)",
    reason: `${describeUnholdable(unholdable)}${check.belongs ? "" : `; also: ${check.reason}`}`,
    inputUrl: input.url,
    isolated: {
      version: typeof version === "string" ? version : undefined,
      line,
      since: chunk.since,
      till: chunk.till,
      // One row per screened line of the payload: writing it again after a crash makes no copy.
      partId: `s${inputIndex}.${line}`,
    },
  };
}

/**
 * Writes `url` without the screened lines next to it (same account and container, so the
 * destination reads it like the export file), and answers the copy's URL. Written again,
 * identically, when the build runs again.
 */
async function writeFilteredCopy(
  deps: EngineDeps,
  chunkSeq: number,
  payloadIndex: number,
  inputIndex: number,
  url: string,
  screened: readonly ScreenedLine[],
): Promise<string> {
  const skip = new Set(screened.map((s) => s.line));
  const kept: string[] = [];
  let line = 0;
  for await (const text of deps.staging.readLinesByUrl(url)) {
    if (text.length === 0) continue;
    line++;
    if (!skip.has(line)) kept.push(`${text}\n`);
  }
  const file = decodeURIComponent(new URL(url).pathname.split("/").pop() ?? "file.ndjson");
  const name = `${SCREENED_FOLDER}/${deps.settings.storage.partitionKey}/${payloadKey(chunkSeq, payloadIndex)}/${inputIndex}-${file}`;
  const { url: copy } = partBlobUrl(url, name);
  await deps.staging.putTextAtUrl(copy, kept.join(""), "application/fhir+ndjson");
  return copy;
}

export async function storePayloadInputs(
  deps: EngineDeps,
  payloadBlobName: string,
  inputs: SentInput[],
): Promise<void> {
  const record: PayloadInputs = { version: 1, inputs };
  await deps.blobs.putText(
    PAYLOAD_CONTAINER,
    inputsBlobName(payloadBlobName),
    JSON.stringify(record),
    "application/json",
  );
}

/**
 * The inputs a payload sent. Payloads built before line counts were stored fall back to the stored
 * manifest's per-file counts.
 */
export async function loadPayloadInputs(
  deps: EngineDeps,
  payload: PayloadRecord,
): Promise<SentInput[]> {
  const text = await deps.blobs.getText(PAYLOAD_CONTAINER, inputsBlobName(payload.blobName));
  if (text !== undefined) return (JSON.parse(text) as PayloadInputs).inputs;
  const body = await deps.blobs.getText(PAYLOAD_CONTAINER, payload.blobName);
  if (body === undefined) {
    throw new Error(
      `Import payload blob ${PAYLOAD_CONTAINER}/${payload.blobName} is missing: the result of payload ${payloadKey(payload.chunkSeq, payload.index)} cannot be checked`,
    );
  }
  const manifest = await loadManifest(deps, payload.chunkSeq);
  const counts = new Map(manifest.output.map((o) => [inputUrlKey(o.url), o.count ?? 0]));
  return inputsOf(JSON.parse(body) as ImportParameters).map((i) => ({
    ...i,
    lines: counts.get(inputUrlKey(i.url)) ?? 0,
  }));
}

/**
 * Checks a finished import against what its payload sent. Returns why the payload is not complete
 * (some input's resources were neither imported nor failed), or undefined when every line is
 * accounted for. More than was sent, or results for files not sent, are reported in telemetry.
 */
export async function importShortfall(
  deps: EngineDeps,
  payload: PayloadRecord,
  result: ImportResult,
): Promise<string | undefined> {
  const accounting = accountImport(await loadPayloadInputs(deps, payload), result);
  if (accounting.excess.length > 0 || accounting.unknownInputs.length > 0) {
    deps.telemetry.trackEvent("Import", {
      ChunkId: chunkKey(payload.chunkSeq),
      PayloadId: payloadKey(payload.chunkSeq, payload.index),
      ImportStatus: "CountsExceedSent",
      TotalImportResources: accounting.imported,
      FailedImportCount: accounting.failed,
      FailureReason: `The import counts ${accounting.imported + accounting.failed} resources for ${accounting.sent} lines sent (${accounting.excess.length} file(s) over; results for files not sent: ${accounting.unknownInputs.slice(0, 5).join(", ") || "none"})`,
    });
  }
  return describeShortfall(accounting);
}
