/**
 * Processing units and error files of an $import (protocol reference 3.3 / 4.3): a blob is split
 * into units of `processingUnitBytesToRead` bytes, a line belongs to the unit where it starts, and
 * line numbers restart at 0 in each unit. Error files hold one OperationOutcome per failed line.
 */
import type { UnitLine } from "./import-merge";
import * as msg from "./messages";

/** Splits a blob into units by byte offset; `line` numbers restart at 0 in each unit. */
export function splitUnits(
  text: string,
  unitBytes: number,
): { offset: number; lines: UnitLine[] }[] {
  const units = new Map<number, UnitLine[]>();
  let offset = 0;
  for (const raw of text.split("\n")) {
    const unitStart = Math.floor(offset / unitBytes) * unitBytes;
    let lines = units.get(unitStart);
    if (lines === undefined) units.set(unitStart, (lines = []));
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    lines.push({ index: lines.length, text: line.trim() === "" ? "" : line });
    offset += Buffer.byteLength(raw, "utf8") + 1;
  }
  if (units.size === 0) units.set(0, []);
  return [...units.entries()].map(([o, lines]) => ({
    offset: o,
    lines: lines.filter((l) => l.text !== ""),
  }));
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
