/**
 * The one request handler behind both status servers: the Functions endpoint (Status_Http) and
 * `fhir-migrate status --serve`. Query parameters are checked before any storage is read; a bad
 * one is a 400 that names it and says what is accepted.
 */
import { checkParameters } from "../core/requestRules";
import { ensureError } from "../errors";
import { PAGE_CSP } from "./pageAssets";
import { reportText } from "./redactText";
import { DEFAULT_REFRESH_SECONDS, renderStatusPage } from "./renderPage";
import type { StatusReport } from "./report";
import { MigrationStateMissingError } from "./statusState";

export interface StatusHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const STATUS_FORMATS = ["html", "json"] as const;
export type StatusFormat = (typeof STATUS_FORMATS)[number];

/** Seconds the page may be asked to reload after (besides 0, off). */
export const REFRESH_RANGE = { min: 5, max: 3600 } as const;

const COMMON_HEADERS = {
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

function text(status: number, body: string): StatusHttpResponse {
  return {
    status,
    headers: { ...COMMON_HEADERS, "Content-Type": "text/plain; charset=utf-8" },
    body: `${body}\n`,
  };
}

/** A received value, quoted and cut short, for an error message. */
function quoted(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

export type StatusQuery =
  { ok: true; format: StatusFormat; refreshSeconds: number } | { ok: false; message: string };

/** Reads `format` and `refresh`; the function key `code` is allowed, any other name is refused. */
export function parseStatusQuery(query: URLSearchParams): StatusQuery {
  const unknown = checkParameters(query, ["format", "refresh"], "status", false);
  if (unknown !== undefined) return { ok: false, message: unknown.message };
  const formats = query.getAll("format");
  const refreshes = query.getAll("refresh");
  if (formats.length > 1)
    return { ok: false, message: `format: given ${formats.length} times; give it once` };
  if (refreshes.length > 1)
    return { ok: false, message: `refresh: given ${refreshes.length} times; give it once` };
  const format = (formats[0] ?? "html").trim().toLowerCase();
  if (!(STATUS_FORMATS as readonly string[]).includes(format)) {
    return {
      ok: false,
      message: `format: received ${quoted(formats[0] ?? "")}; expected "html" (the default, the status page) or "json" (the status report)`,
    };
  }
  const refreshText = refreshes[0]?.trim();
  let refreshSeconds = DEFAULT_REFRESH_SECONDS;
  if (refreshText !== undefined) {
    const n = Number(refreshText);
    const valid =
      /^\d+$/.test(refreshText) && (n === 0 || (n >= REFRESH_RANGE.min && n <= REFRESH_RANGE.max));
    if (!valid) {
      return {
        ok: false,
        message: `refresh: received ${quoted(refreshes[0] ?? "")}; expected 0 (no automatic reload) or a whole number of seconds from ${REFRESH_RANGE.min} to ${REFRESH_RANGE.max} (default ${DEFAULT_REFRESH_SECONDS})`,
      };
    }
    refreshSeconds = n;
  }
  return { ok: true, format: format as StatusFormat, refreshSeconds };
}

/**
 * Answers one status request: 200 with the page or the JSON report; 400 for a bad parameter;
 * 503 when the state cannot be read (the message says why, without secrets).
 */
export async function handleStatusRequest(
  query: URLSearchParams,
  loadReport: () => Promise<StatusReport>,
  onError: (error: Error) => void = () => {},
): Promise<StatusHttpResponse> {
  const parsed = parseStatusQuery(query);
  if (!parsed.ok) return text(400, parsed.message);
  let report: StatusReport;
  try {
    report = await loadReport();
  } catch (thrown) {
    const error = ensureError(thrown);
    onError(error);
    // Storage unreachable, or tables not created yet: say so instead of a bare 500.
    const prefix =
      error instanceof MigrationStateMissingError ? "" : "Could not read the migration state: ";
    return text(503, reportText(`${prefix}${error.message}`));
  }
  // One report answers many requests (src/status/reportCache.ts): render it once per form.
  const key = `${parsed.format}:${parsed.refreshSeconds}`;
  const rendered = renderedOf(report);
  const known = rendered.get(key);
  if (known !== undefined) return { ...known, headers: { ...known.headers } };
  const response = render(report, parsed.format, parsed.refreshSeconds);
  // Bounded: any refresh from 5 to 3600 is accepted, and each form of the page is kept whole.
  if (rendered.size < MAX_RENDERED_FORMS) rendered.set(key, response);
  return { ...response, headers: { ...response.headers } };
}

/** Forms (format and refresh) of one report kept rendered. */
const MAX_RENDERED_FORMS = 4;

/** Responses already rendered from a report, by format and refresh; dropped with the report. */
const RENDERED = new WeakMap<StatusReport, Map<string, StatusHttpResponse>>();

function renderedOf(report: StatusReport): Map<string, StatusHttpResponse> {
  let map = RENDERED.get(report);
  if (map === undefined) {
    map = new Map();
    RENDERED.set(report, map);
  }
  return map;
}

function render(
  report: StatusReport,
  format: StatusFormat,
  refreshSeconds: number,
): StatusHttpResponse {
  if (format === "json") {
    return {
      status: 200,
      headers: { ...COMMON_HEADERS, "Content-Type": "application/json; charset=utf-8" },
      body: `${JSON.stringify(report, null, 2)}\n`,
    };
  }
  return {
    status: 200,
    headers: {
      ...COMMON_HEADERS,
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": PAGE_CSP,
      "X-Frame-Options": "DENY",
    },
    body: renderStatusPage(report, { refreshSeconds }),
  };
}
