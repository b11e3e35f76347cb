/**
 * Processing units and error files of an $import. The orchestrator cuts each blob into byte ranges
 * of `processingUnitBytesToRead` (ImportOrchestratorJob.GetOffsets: ceil(length / bytes) ranges,
 * at least one), one processing job each. A range starting past 0 skips the line it starts in (the
 * previous range reads it), and a range keeps reading whole lines while it has read no more than
 * its byte count (ImportResourceLoader.ReadLines), so a line starting exactly at a range boundary
 * belongs to the range before. Empty lines are skipped and line numbers are 1-based within the
 * range, counting only the lines read (ImportResourceLoader.LoadResourcesInternalAsync). Error
 * files hold one OperationOutcome per failed line.
 */
import type { UnitLine } from "./import-merge";
import * as msg from "./messages";

interface RawLine {
  start: number;
  bytes: number;
  text: string;
}

/** Lines split on \n (a preceding \r is part of the line ending), with byte positions. */
function rawLines(text: string): RawLine[] {
  const lines: RawLine[] = [];
  let at = 0;
  const parts = text.split("\n");
  parts.forEach((raw, i) => {
    const last = i === parts.length - 1;
    if (last && raw === "") return;
    const bytes = Buffer.byteLength(raw, "utf8") + (last ? 0 : 1);
    lines.push({ start: at, bytes, text: raw.endsWith("\r") && !last ? raw.slice(0, -1) : raw });
    at += bytes;
  });
  return lines;
}

/** Splits a blob into processing units by byte offset, each with its lines numbered as the server does. */
export function splitUnits(
  text: string,
  unitBytes: number,
): { offset: number; lines: UnitLine[] }[] {
  const lines = rawLines(text);
  const length = Buffer.byteLength(text, "utf8");
  const count = Math.max(1, Math.ceil(length / unitBytes));
  const units: { offset: number; lines: UnitLine[] }[] = [];
  for (let u = 0; u < count; u++) {
    const offset = u * unitBytes;
    const unit: UnitLine[] = [];
    let read = 0;
    let first = lines.findIndex((l) => l.start + l.bytes > offset);
    if (first === -1) first = lines.length;
    if (offset > 0 && first < lines.length) {
      // The partial (or whole) line the range starts in is skipped, its bytes counted.
      const skipped = lines[first] as RawLine;
      read += skipped.start + skipped.bytes - offset;
      first++;
    }
    for (let i = first; i < lines.length && read <= unitBytes; i++) {
      const line = lines[i] as RawLine;
      read += line.bytes;
      if (line.text.length > 0) unit.push({ index: unit.length + 1, text: line.text });
    }
    units.push({ offset, lines: unit });
  }
  return units;
}

export function errorFileText(
  errors: readonly { line: number; message: string }[],
  offset: number,
): string {
  return errors
    .map(
      (e) =>
        `${JSON.stringify({
          resourceType: "OperationOutcome",
          issue: [
            {
              severity: "error",
              details: { text: e.message },
              diagnostics: msg.importLineDiagnostics(e.line, offset),
            },
          ],
        })}\n`,
    )
    .join("");
}
