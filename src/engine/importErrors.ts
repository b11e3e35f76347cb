/**
 * Reads the OperationOutcome lines of $import error files (docs/server-behaviour.md §4.3). The text names the
 * resource id for duplicates and conflicts ("..., resource id: obs-9, line: 41"); other failures
 * (parse errors, decimal overflow) only give the line, so the id is then read from the input file.
 */
export interface ImportErrorLine {
  /** 1-based line within the processing unit that starts at `offset` bytes (empty lines not counted). */
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

/**
 * Picks the id of line `line` in the processing unit starting at byte `offset`, from the input
 * file's lines. The server numbers lines as microsoft/fhir-server's ImportResourceLoader.cs reads
 * them: a unit past byte 0 skips the line it starts in (even one starting exactly at the offset:
 * the unit before reads it), empty lines are skipped, and the count is 1-based.
 */
export async function idAtLine(
  lines: AsyncIterable<string>,
  offset: number,
  line: number,
): Promise<string | undefined> {
  let bytes = 0;
  let index = 0;
  let skipFirst = offset > 0;
  for await (const text of lines) {
    const end = bytes + Buffer.byteLength(text, "utf8") + 1;
    const before = end <= offset;
    bytes = end;
    if (before) continue;
    if (skipFirst) {
      skipFirst = false;
      continue;
    }
    if (text.length === 0) continue;
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

/**
 * The failed resources an import error file names, each with its id: named by the line, or read
 * from the input file at the line the server numbered (idAtLine). Blank lines are skipped.
 */
export async function* failedLines(
  errorLines: AsyncIterable<string>,
  /** The input file's lines, read again for each error line that names no id. */
  inputLines: () => AsyncIterable<string>,
): AsyncGenerator<{ parsed: ImportErrorLine; id: string | undefined }> {
  for await (const line of errorLines) {
    if (line.trim() === "") continue;
    const parsed = parseImportErrorLine(line);
    const id =
      parsed.id ??
      (parsed.line === undefined
        ? undefined
        : await idAtLine(inputLines(), parsed.offset, parsed.line));
    yield { parsed, id };
  }
}
