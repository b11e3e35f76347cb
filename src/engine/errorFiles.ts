/**
 * Reading the blobs an import result names (error files, and input files to find an id). A file
 * that is missing, or on an account the settings do not name (refused without a request,
 * src/storage/blobUrl.ts), yields no lines and says why; the failures it should have detailed are
 * still recorded, as one row that says how many have no detail.
 */
import { failuresWithoutDetail } from "../core/importAccounting";
import { chunkKey } from "../core/migrationState";
import type { ImportResultEntry } from "../fhir/types";
import { BlobNotFoundError } from "../storage/blobStore";
import { isBlobUrlRefusedError } from "../storage/blobUrl";
import type { FailedResourceRecord } from "../storage/migrationStateStore";
import type { EngineDeps } from "./deps";

export interface ErrorFileRead {
  /** The file's lines; none when it is missing or refused. */
  lines: AsyncIterable<string>;
  /** Non-blank lines read so far. */
  rows: number;
  /** Why the file could not be read (missing, refused, not named). */
  problem: string | undefined;
}

/** The lines of a blob an import result names (error file or input file), never throwing for a missing or refused one. */
export function serverNamedLines(
  deps: Pick<EngineDeps, "staging" | "log">,
  url: string | undefined,
): ErrorFileRead {
  const read: ErrorFileRead = { lines: empty(), rows: 0, problem: undefined };
  if (url === undefined || url === "") {
    read.problem = "the import result names no error file";
    return read;
  }
  read.lines = (async function* () {
    try {
      for await (const line of deps.staging.readLinesByUrl(url)) {
        if (line.trim() !== "") read.rows++;
        yield line;
      }
    } catch (error) {
      if (error instanceof BlobNotFoundError) {
        read.problem = `the file ${error.url} does not exist`;
        return;
      }
      if (isBlobUrlRefusedError(error)) {
        read.problem = `the file is not on a configured storage account and was not read (${error.url})`;
        deps.log(error.message);
        return;
      }
      throw error;
    }
  })();
  return read;
}

async function* empty(): AsyncGenerator<string> {}

/**
 * After an error entry was read: when its file gave fewer lines than the entry counts, adds one
 * row for the failures without detail and counts them in `byType`.
 */
export function recordUndetailed(
  ref: { chunkSeq: number; index: number },
  entry: ImportResultEntry,
  read: ErrorFileRead,
  records: FailedResourceRecord[],
  byType: Map<string, { count: number; ids: string[]; reason: string }>,
): void {
  const missing = failuresWithoutDetail(entry.count, read.rows);
  if (missing === 0) return;
  const type = entry.type ?? "unknown";
  const why =
    read.problem ??
    `its error file holds ${read.rows} line(s) for ${entry.count} counted failure(s)`;
  const reason = `${missing} resource(s) failed without detail in chunk ${chunkKey(ref.chunkSeq)}: ${why}`;
  records.push({
    chunkSeq: ref.chunkSeq,
    payloadIndex: ref.index,
    resourceType: type,
    id: "(no detail)",
    reason,
    inputUrl: entry.inputUrl,
  });
  const stats = byType.get(type) ?? { count: 0, ids: [], reason };
  stats.count += missing;
  byType.set(type, stats);
}
