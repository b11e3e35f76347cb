/**
 * Every line an `$import` was sent must come back counted: for each input file, the resources the
 * server imported plus the resources it failed (its error entries) equal the non-empty lines of the
 * file. The server reports exactly that: `output[]` has one entry per input url with the succeeded
 * count (entries with count 0 included) and `error[]` one entry per processing unit with the failed
 * count (microsoft/fhir-server src/Microsoft.Health.Fhir.Core/Features/Operations/Import/
 * GetImportRequestHandler.cs); a processing job reads every non-empty line
 * (src/Microsoft.Health.Fhir.Core/Features/Operations/Import/ImportResourceLoader.cs, ReadLines) and
 * counts each as succeeded or failed (src/Microsoft.Health.Fhir.SqlServer/Features/Operations/Import/
 * ImportProcessingJob.cs). An answer that accounts for fewer lines (for example an empty `output[]`)
 * means resources were not imported, whatever its status code says.
 */
import { withoutQuery } from "../fhir/redact";
import type { ImportResult } from "../fhir/types";

/** One input of a payload as it was sent: its url, declared type and non-empty line count. */
export interface SentInput {
  url: string;
  type: string;
  lines: number;
}

/** What the payload builder stores next to each payload body (one blob per payload). */
export interface PayloadInputs {
  version: 1;
  inputs: SentInput[];
}

export interface InputAccount {
  url: string;
  type: string;
  sent: number;
  imported: number;
  failed: number;
}

export interface ImportAccounting {
  inputs: InputAccount[];
  /** Inputs whose imported + failed is below the lines sent: resources neither imported nor failed. */
  short: InputAccount[];
  /** Inputs whose imported + failed exceeds the lines sent (nothing lost, but not what was sent). */
  excess: InputAccount[];
  /** Input urls the result names that the payload did not send (query strings removed). */
  unknownInputs: string[];
  sent: number;
  imported: number;
  failed: number;
}

/**
 * The key two spellings of one blob url share: the server echoes the url through .NET's `Uri`,
 * which may change the host's case and the percent-encoding of the path.
 */
export function inputUrlKey(url: string): string {
  try {
    const parsed = new URL(url);
    let path = parsed.pathname;
    try {
      path = decodeURIComponent(path);
    } catch {
      // keep the encoded path: it is still a stable key
    }
    return `${parsed.protocol}//${parsed.host.toLowerCase()}${path}`;
  } catch {
    return url;
  }
}

/** Checks an import result against the inputs sent, per input file. */
export function accountImport(
  sent: readonly SentInput[],
  result: Pick<ImportResult, "output" | "error">,
): ImportAccounting {
  const byKey = new Map<string, InputAccount>();
  for (const input of sent) {
    const key = inputUrlKey(input.url);
    const existing = byKey.get(key);
    if (existing !== undefined) existing.sent += input.lines;
    else
      byKey.set(key, {
        url: input.url,
        type: input.type,
        sent: input.lines,
        imported: 0,
        failed: 0,
      });
  }
  const unknown = new Set<string>();
  const add = (url: string, field: "imported" | "failed", count: number) => {
    const account = byKey.get(inputUrlKey(url));
    if (account === undefined) unknown.add(withoutQuery(url).slice(0, 500));
    else account[field] += Number.isFinite(count) && count > 0 ? count : 0;
  };
  for (const entry of result.output) add(entry.inputUrl, "imported", entry.count);
  for (const entry of result.error) add(entry.inputUrl, "failed", entry.count);
  const inputs = [...byKey.values()];
  const sum = (f: (a: InputAccount) => number) => inputs.reduce((n, a) => n + f(a), 0);
  return {
    inputs,
    short: inputs.filter((a) => a.imported + a.failed < a.sent),
    excess: inputs.filter((a) => a.imported + a.failed > a.sent),
    unknownInputs: [...unknown],
    sent: sum((a) => a.sent),
    imported: sum((a) => a.imported),
    failed: sum((a) => a.failed),
  };
}

function fileName(url: string): string {
  const path = withoutQuery(url);
  return path.slice(path.lastIndexOf("/") + 1) || path;
}

/**
 * Why a payload is not complete, or undefined when every input is accounted for. Names the files,
 * what each was sent and what came back.
 */
export function describeShortfall(accounting: ImportAccounting): string | undefined {
  if (accounting.short.length === 0) return undefined;
  const missing = accounting.short.reduce((n, a) => n + a.sent - a.imported - a.failed, 0);
  const shown = accounting.short
    .slice(0, 5)
    .map((a) => `${fileName(a.url)}: ${a.imported} imported + ${a.failed} failed of ${a.sent}`);
  const more =
    accounting.short.length > 5 ? `; and ${accounting.short.length - 5} more file(s)` : "";
  return (
    `The import reported success but accounts for ${accounting.imported + accounting.failed} of ` +
    `${accounting.sent} resources sent (${missing} neither imported nor failed) in ` +
    `${accounting.short.length} input file(s): ${shown.join("; ")}${more}`
  );
}

/**
 * How many failures of an error entry have no detail row: the entry counts `count` failed
 * resources, its error file gave `rowsRead` lines (0 when it is missing or unreadable).
 */
export function failuresWithoutDetail(count: number, rowsRead: number): number {
  return Math.max(0, (Number.isFinite(count) ? count : 0) - rowsRead);
}

/**
 * Input urls of a payload that the result names in neither `output[]` nor `error[]`. The server
 * lists every input in `output[]`, count 0 included (GetImportRequestHandler.cs), so a missing one
 * means the answer does not account for that file at all. For when line counts are not known.
 */
export function unmentionedInputs(
  inputUrls: readonly string[],
  result: Pick<ImportResult, "output" | "error">,
): string[] {
  const mentioned = new Set(
    [...result.output, ...result.error].map((entry) => inputUrlKey(entry.inputUrl)),
  );
  return inputUrls.filter((url) => !mentioned.has(inputUrlKey(url))).map(withoutQuery);
}
