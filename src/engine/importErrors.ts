/**
 * Reads the OperationOutcome lines of $import error files (reference §4.3). The text names the
 * resource id for duplicates and conflicts ("..., resource id: obs-9, line: 41"); other failures
 * (parse errors, decimal overflow) only give the line, so the id is then read from the input file.
 */
export interface ImportErrorLine {
  /** 0-based line within the processing unit that starts at `offset` bytes. */
  line: number | undefined;
  offset: number;
  id: string | undefined;
  reason: string;
}

export function parseImportErrorLine(text: string): ImportErrorLine {
  let outcome: { issue?: { details?: { text?: string }; diagnostics?: string }[] };
  try {
    outcome = JSON.parse(text) as typeof outcome;
  } catch {
    return {
      line: undefined,
      offset: 0,
      id: undefined,
      reason: `Unreadable error line: ${text.slice(0, 300)}`,
    };
  }
  const issue = outcome.issue?.[0];
  const details = issue?.details?.text ?? "";
  const diagnostics = issue?.diagnostics ?? "";
  const all = `${details} ${diagnostics}`;
  const id = /resource id: ([A-Za-z0-9\-.]{1,64})/.exec(all)?.[1];
  const lineText = /line: (\d+)/.exec(all)?.[1];
  const offsetText = /stream start offset: (\d+)/.exec(all)?.[1];
  return {
    line: lineText === undefined ? undefined : Number(lineText),
    offset: offsetText === undefined ? 0 : Number(offsetText),
    id,
    reason: (details || diagnostics || "unknown import error").slice(0, 2000),
  };
}

/** Picks the id of line `line` in the unit starting at byte `offset`, from the input file's lines. */
export async function idAtLine(
  lines: AsyncIterable<string>,
  offset: number,
  line: number,
): Promise<string | undefined> {
  let bytes = 0;
  let index = -1;
  for await (const text of lines) {
    const start = bytes;
    bytes += Buffer.byteLength(text, "utf8") + 1;
    if (start < offset) continue;
    index++;
    if (index === line) {
      try {
        return (JSON.parse(text) as { id?: string }).id;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
