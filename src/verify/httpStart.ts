/**
 * E2ETest_Http: starts a verification run (E2ETestOrchestration) and answers with the durable
 * check-status response (202 with statusQueryGetUri). Only POST starts a run: a run reads both
 * servers at length and, with applyHardDeletes, deletes on the destination, so a GET (a followed
 * link, a prefetch) is refused with 405. The run's options (src/verify/options.ts) come from query
 * parameters or from a JSON object body with the same names; a bad or unknown one, a body that is
 * not a JSON object, or an option given differently in both places gets a 400 naming the problem and
 * what is accepted. The function key (`code`) is the only other parameter accepted.
 */
import type {
  HttpRequest,
  HttpResponse,
  HttpResponseInit,
  InvocationContext,
} from "@azure/functions";
import type { DurableClient } from "durable-functions";
import {
  HOST_PARAMETERS,
  MAX_ECHOED_NAME,
  MAX_ECHOED_NAMES,
  checkMethod,
  echoed,
} from "../core/requestRules";
import type { OptionIssue, OptionName } from "./options";
import { OPTION_NAMES, parseVerificationOptions } from "./options";
import { E2E_TEST_ORCHESTRATION } from "./orchestrator";
import { newRunId, newSeed } from "./runIds";
import type { VerificationInput } from "./types";

/** Methods the handler acts on; the registration also routes GET so it can be refused with 405. */
export const E2E_TEST_METHODS = ["POST"] as const;

/** A body larger than this is not an options object. */
export const MAX_BODY_BYTES = 64 * 1024;

export interface HttpStartDeps {
  now: () => number;
  runId?: (nowMs: number) => string;
  seed?: () => string;
}

const ACCEPTED = {
  deepCheckCount: "0..1000000",
  resourceTypes: "comma-separated FHIR R4 resource types",
  checks: "comma-separated subset of surface,deep,reconcile",
  seed: "1-64 letters, digits, - or _",
  applyHardDeletes: "true or false",
  concurrency: "1..64",
};

function badRequest(issues: OptionIssue[]): HttpResponseInit {
  return {
    status: 400,
    jsonBody: { error: "Invalid verification parameters", issues, accepted: ACCEPTED },
  };
}

function refused(status: number, error: string, headers: Record<string, string> = {}) {
  return { status, headers, jsonBody: { error, accepted: ACCEPTED } };
}

const optionNamed = (key: string): OptionName | undefined =>
  OPTION_NAMES.find((o) => o.toLowerCase() === key.toLowerCase());

/** A name as echoed in an issue: cut short (the JSON body escapes any control character). */
const shortName = (name: string) =>
  name.length > MAX_ECHOED_NAME ? `${name.slice(0, MAX_ECHOED_NAME)}…` : name;

/** Issues for unknown names: one per name up to MAX_ECHOED_NAMES, then one for the rest. */
function unknownIssues(unknown: { name: string; value: string }[], where: string): OptionIssue[] {
  const expected = `no such parameter; accepted: ${OPTION_NAMES.join(", ")}`;
  const issues: OptionIssue[] = unknown.slice(0, MAX_ECHOED_NAMES).map((u) => ({
    parameter: shortName(u.name),
    received: echoed(u.value),
    expected: where === "" ? expected : `${expected} (${where})`,
  }));
  const more = unknown.length - issues.length;
  if (more > 0) {
    issues.push({ parameter: `${more} more`, received: "(not shown)", expected });
  }
  return issues;
}

/** Query values by option name (names matched ignoring letter case), plus issues for unknown names. */
export function readQuery(query: URLSearchParams): {
  raw: Partial<Record<OptionName, string>>;
  issues: OptionIssue[];
} {
  const raw: Partial<Record<OptionName, string>> = {};
  const issues: OptionIssue[] = [];
  const unknown: { name: string; value: string }[] = [];
  const repeated = new Set<OptionName>();
  for (const [key, value] of query) {
    const name = optionNamed(key);
    if (name !== undefined) {
      // One issue per option, however often it is repeated: the answer stays small.
      if (raw[name] !== undefined && raw[name] !== value && !repeated.has(name)) {
        repeated.add(name);
        issues.push({
          parameter: name,
          received: echoed([raw[name], value].join(" and "), 200),
          expected: "the parameter once",
        });
      }
      raw[name] = value;
    } else if (!HOST_PARAMETERS.includes(key.toLowerCase())) {
      unknown.push({ name: key, value });
    }
  }
  return { raw, issues: [...issues, ...unknownIssues(unknown, "")] };
}

/** A JSON body value as option text; lists (resourceTypes, checks) may be arrays of strings. */
function bodyValue(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.join(",");
  return undefined;
}

/** Options from a JSON object body, plus issues for unknown names and values of the wrong kind. */
export function readBody(body: unknown): {
  raw: Partial<Record<OptionName, string>>;
  issues: OptionIssue[];
} {
  const raw: Partial<Record<OptionName, string>> = {};
  const issues: OptionIssue[] = [];
  const unknown: { name: string; value: string }[] = [];
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    const name = optionNamed(key);
    if (name === undefined) {
      unknown.push({ name: key, value: JSON.stringify(value) ?? "" });
      continue;
    }
    const text = bodyValue(value);
    if (text === undefined) {
      issues.push({
        parameter: name,
        received: echoed(JSON.stringify(value) ?? "", 200),
        expected: `a string, number or boolean (${ACCEPTED[name]}); lists may also be JSON arrays of strings`,
      });
    } else raw[name] = text;
  }
  return { raw, issues: [...issues, ...unknownIssues(unknown, "in the body")] };
}

type BodyResult =
  | { ok: true; body: Record<string, unknown> | undefined }
  | { ok: false; response: HttpResponseInit };

/** The request body as a JSON object, undefined when empty, or the refusal that says why not. */
async function jsonBody(request: HttpRequest): Promise<BodyResult> {
  const length = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(length) && length > MAX_BODY_BYTES) {
    return {
      ok: false,
      response: refused(413, `body: ${length} bytes; at most ${MAX_BODY_BYTES} accepted`),
    };
  }
  const text = await request.text();
  if (text.trim() === "") return { ok: true, body: undefined };
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) {
    return { ok: false, response: refused(413, `body: at most ${MAX_BODY_BYTES} bytes accepted`) };
  }
  // Parsed as JSON whatever the Content-Type says (curl -d sends a form type): a form body such as
  // `applyHardDeletes=true` is then refused as not JSON rather than ignored.
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {
      ok: false,
      response: refused(
        400,
        `body: not valid JSON; expected a JSON object such as {"checks":"surface,deep","deepCheckCount":1000}`,
      ),
    };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return {
      ok: false,
      response: refused(
        400,
        `body: a JSON ${parsed === null ? "null" : Array.isArray(parsed) ? "array" : typeof parsed}; expected a JSON object with option names as keys, such as {"checks":"surface"}`,
      ),
    };
  }
  return { ok: true, body: parsed as Record<string, unknown> };
}

/** Query and body options merged; an option given in both with different values is an issue. */
function merge(
  query: Partial<Record<OptionName, string>>,
  body: Partial<Record<OptionName, string>>,
): { raw: Partial<Record<OptionName, string>>; issues: OptionIssue[] } {
  const issues: OptionIssue[] = [];
  for (const name of OPTION_NAMES) {
    const q = query[name];
    const b = body[name];
    if (q !== undefined && b !== undefined && q !== b) {
      issues.push({
        parameter: name,
        received: echoed(`${q} (query) and ${b} (body)`, 200),
        expected: "the option in the query or in the body, not both with different values",
      });
    }
  }
  return { raw: { ...body, ...query }, issues };
}

export function createE2ETestHttpHandler(
  deps: HttpStartDeps = { now: () => Date.now() },
): (
  request: HttpRequest,
  client: DurableClient,
  context: InvocationContext,
) => Promise<HttpResponseInit | HttpResponse> {
  return async (request, client, context) => {
    const method = checkMethod(
      request.method,
      E2E_TEST_METHODS,
      "E2ETest_Http",
      "a verification run is started with POST; its options go in the query or a JSON body",
    );
    if (method !== undefined) return refused(method.status, method.message, method.headers);
    const body = await jsonBody(request);
    if (!body.ok) return body.response;
    const fromQuery = readQuery(request.query);
    const fromBody = body.body === undefined ? { raw: {}, issues: [] } : readBody(body.body);
    const merged = merge(fromQuery.raw, fromBody.raw);
    const parsed = parseVerificationOptions(merged.raw);
    const all = [
      ...fromQuery.issues,
      ...fromBody.issues,
      ...merged.issues,
      ...(parsed.ok ? [] : parsed.issues),
    ];
    if (all.length > 0 || !parsed.ok) return badRequest(all);
    const runId = (deps.runId ?? newRunId)(deps.now());
    const input: VerificationInput = {
      ...parsed.options,
      runId,
      seed: parsed.options.seed ?? (deps.seed ?? newSeed)(),
    };
    const instanceId = await client.startNew(E2E_TEST_ORCHESTRATION, { instanceId: runId, input });
    context.log(`started verification ${instanceId} (seed ${input.seed})`);
    return client.createCheckStatusResponse(request, instanceId);
  };
}

export const e2eTestHttpStart = createE2ETestHttpHandler();
