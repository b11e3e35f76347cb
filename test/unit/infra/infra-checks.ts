/**
 * Checks shared by the infra tests. Each returns a list of problems (empty = fine), so the tests
 * can both assert on the real files and prove the checks catch a bad input.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TELEMETRY_EVENTS, TELEMETRY_METRICS } from "../../../src/telemetry/events";

export const ROOT = join(__dirname, "..", "..", "..");

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function readJson(relativePath: string): JsonObject {
  return JSON.parse(readFileSync(join(ROOT, relativePath), "utf8")) as JsonObject;
}

export function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function asObject(v: JsonValue | undefined, what: string): JsonObject {
  if (!isObject(v)) throw new Error(`${what} is not an object`);
  return v;
}

/** Every object in the tree (depth first), with its JSON path. */
export function* objects(node: JsonValue, path = "$"): Generator<[JsonObject, string]> {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) yield* objects(node[i]!, `${path}[${i}]`);
  } else if (isObject(node)) {
    yield [node, path];
    for (const [k, v] of Object.entries(node)) yield* objects(v, `${path}.${k}`);
  }
}

/** Every string in the tree, with its JSON path. */
export function* strings(node: JsonValue, path = "$"): Generator<[string, string]> {
  if (typeof node === "string") yield [node, path];
  else if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) yield* strings(node[i]!, `${path}[${i}]`);
  } else if (isObject(node)) {
    for (const [k, v] of Object.entries(node)) yield* strings(v, `${path}.${k}`);
  }
}

const isExpression = (s: string): boolean => s.startsWith("[") && !s.startsWith("[[");

/**
 * parameters('x') / variables('x') references that do not resolve. Nested deployments with inner
 * expression scope are checked against their own template's parameters and variables; the values
 * they pass in are checked against the outer template's.
 */
export function unresolvedReferences(template: JsonObject): string[] {
  const problems: string[] = [];
  const check = (node: JsonValue, scope: JsonObject, path: string): void => {
    const params = new Set(Object.keys(asObject(scope.parameters ?? {}, "parameters")));
    const vars = new Set(Object.keys(asObject(scope.variables ?? {}, "variables")));
    const visit = (n: JsonValue, p: string): void => {
      if (typeof n === "string") {
        if (!isExpression(n)) return;
        for (const m of n.matchAll(/\b(parameters|variables)\('([^']*)'\)/g)) {
          const known = m[1] === "parameters" ? params : vars;
          if (!known.has(m[2]!)) problems.push(`${p}: ${m[1]}('${m[2]}') is not declared`);
        }
      } else if (Array.isArray(n)) {
        n.forEach((item, i) => visit(item, `${p}[${i}]`));
      } else if (isObject(n)) {
        const props = isObject(n.properties) ? n.properties : undefined;
        const inner =
          n.type === "Microsoft.Resources/deployments" &&
          props !== undefined &&
          isObject(props.expressionEvaluationOptions) &&
          String(props.expressionEvaluationOptions.scope).toLowerCase() === "inner" &&
          isObject(props.template)
            ? props.template
            : undefined;
        for (const [k, v] of Object.entries(n)) {
          if (k === "properties" && inner !== undefined && props !== undefined) {
            for (const [pk, pv] of Object.entries(props)) {
              if (pk !== "template") visit(pv, `${p}.properties.${pk}`);
            }
            const passed = Object.keys(asObject(props.parameters ?? {}, "parameters"));
            const declared = Object.keys(asObject(inner.parameters ?? {}, "parameters"));
            for (const name of passed) {
              if (!declared.includes(name)) {
                problems.push(`${p}: passes parameter ${name}, which the inner template lacks`);
              }
            }
            for (const [name, spec] of Object.entries(asObject(inner.parameters ?? {}, "x"))) {
              if (isObject(spec) && spec.defaultValue === undefined && !passed.includes(name)) {
                problems.push(`${p}: does not pass required inner parameter ${name}`);
              }
            }
            check(inner, inner, `${p}.properties.template`);
          } else {
            visit(v, `${p}.${k}`);
          }
        }
      }
    };
    visit(node, path);
  };
  check(template, template, "$");
  return problems;
}

/** Splits the top-level comma-separated arguments of a function call's argument text. */
export function splitArgs(text: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      current += c;
      if (c === "'") {
        if (text[i + 1] === "'") {
          current += "'";
          i++;
        } else quoted = false;
      }
      continue;
    }
    if (c === "'") quoted = true;
    else if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    if (c === "," && depth === 0) {
      args.push(current.trim());
      current = "";
    } else current += c;
  }
  if (current.trim() !== "") args.push(current.trim());
  return args;
}

/** `fn(args)` → ["fn", "args"]; anything else → undefined. */
export function call(text: string): [string, string] | undefined {
  const m = /^([A-Za-z][A-Za-z0-9]*)\((.*)\)$/s.exec(text.trim());
  if (m === null) return undefined;
  // Only when the closing parenthesis matches the opening one.
  let depth = 0;
  let quoted = false;
  const body = m[2]!;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "'") quoted = !quoted;
    if (quoted) continue;
    if (c === "(") depth++;
    if (c === ")" && --depth < 0) return undefined;
  }
  return [m[1]!, body];
}

// ---------------------------------------------------------------------------------------------
// Telemetry names in KQL

const EVENT_PROPERTIES: Record<string, readonly string[]> = TELEMETRY_EVENTS;

/** Event names a query filters on: `name == "X"` and `name in ("X", "Y")`. */
export function eventNamesIn(query: string): string[] {
  const names: string[] = [];
  for (const m of query.matchAll(/\bname\s*==\s*"([^"]*)"/g)) names.push(m[1]!);
  for (const m of query.matchAll(/\bname\s+in\s*\(([^)]*)\)/g)) {
    for (const q of m[1]!.matchAll(/"([^"]*)"/g)) names.push(q[1]!);
  }
  return names;
}

/**
 * Problems with a KQL query's telemetry names, checked against the properties of each event: by
 * default as declared in src/telemetry/events.ts; the dashboard test passes what the code sends.
 */
export function telemetryProblems(
  query: string,
  eventProperties: Readonly<Record<string, readonly string[]>> = EVENT_PROPERTIES,
): string[] {
  const problems: string[] = [];
  const usesEvents = /\bcustomEvents\b/.test(query);
  const usesMetrics = /\bcustomMetrics\b/.test(query);
  if (usesEvents && usesMetrics) problems.push("mixes customEvents and customMetrics");
  const names = eventNamesIn(query);
  if (usesEvents) {
    if (names.length === 0) problems.push("customEvents query does not filter on an event name");
    const allowed = new Set<string>();
    for (const name of names) {
      const props = eventProperties[name];
      if (props === undefined) problems.push(`unknown event "${name}"`);
      else props.forEach((p) => allowed.add(p));
    }
    for (const m of query.matchAll(/customDimensions\s*\[\s*["']([^"']*)["']\s*\]/g)) {
      if (!allowed.has(m[1]!))
        problems.push(`property "${m[1]}" is not one of ${names.join(", ")}'s`);
    }
    for (const m of query.matchAll(/customDimensions\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
      if (!allowed.has(m[1]!))
        problems.push(`property "${m[1]}" is not one of ${names.join(", ")}'s`);
    }
  } else if (/customDimensions/.test(query)) {
    problems.push("uses customDimensions outside a customEvents query");
  }
  if (usesMetrics) {
    if (names.length === 0) problems.push("customMetrics query does not filter on a metric name");
    for (const name of names) {
      if (!(name in TELEMETRY_METRICS)) problems.push(`unknown metric "${name}"`);
    }
  }
  return problems;
}

/** Literal values sent per event and property; a property missing or "any" is not checked. */
export type SentValues = Readonly<
  Record<string, Readonly<Record<string, readonly string[] | "any">>>
>;

/** `tostring(customDimensions.P) == "V"` / `in ("A", "B")` filters on a value no named event sends. */
export function filterValueProblems(query: string, sent: SentValues): string[] {
  const names = eventNamesIn(query);
  const problems: string[] = [];
  const pattern =
    /tostring\(customDimensions\.([A-Za-z_][A-Za-z0-9_]*)\)\s*(?:==\s*"([^"]*)"|in\s*\(([^)]*)\))/g;
  for (const m of query.matchAll(pattern)) {
    const prop = m[1]!;
    const wanted =
      m[2] !== undefined ? [m[2]] : [...m[3]!.matchAll(/"([^"]*)"/g)].map((x) => x[1]!);
    const known = names.map((n) => sent[n]?.[prop]).filter((v) => v !== undefined);
    if (known.length === 0 || known.includes("any")) continue;
    const values = new Set(known.flatMap((v) => (v === "any" ? [] : v)));
    for (const w of wanted) {
      if (!values.has(w))
        problems.push(`${prop} == "${w}" is never sent (sent: ${[...values].sort().join(", ")})`);
    }
  }
  return problems;
}

/**
 * Aggregations that misread Application Insights rows: a customMetrics row's `value` is the sum of
 * the samples of its interval (use valueSum/valueCount, valueMax, valueMin), and sampled tables'
 * rows stand for `itemCount` items (count with sum(itemCount)).
 */
export function aggregationProblems(query: string): string[] {
  const problems: string[] = [];
  if (/\bcustomMetrics\b/.test(query)) {
    for (const m of query.matchAll(/\b(avg|max|min|sum|percentile)\(value\b/g)) {
      problems.push(`${m[1]}(value) on customMetrics reads the interval's sum`);
    }
  }
  if (/\b(requests|dependencies|exceptions)\b/.test(query) && /\bcount\(\)/.test(query)) {
    problems.push("count() on sampled rows: use sum(itemCount)");
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// HTTP trigger auth levels

export interface HttpRegistration {
  file: string;
  line: number;
  text: string;
}

/** Finds `app.http(` and `df.app.client.http(` calls and returns each call's full text. */
export function httpRegistrations(source: string, file: string): HttpRegistration[] {
  const found: HttpRegistration[] = [];
  const pattern = /\b(?:df\.app\.client\.http|app\.http)\s*\(/g;
  for (const m of source.matchAll(pattern)) {
    const start = m.index;
    let depth = 0;
    let end = source.length;
    let quote: string | undefined;
    for (let i = start + m[0].length - 1; i < source.length; i++) {
      const c = source[i]!;
      if (quote !== undefined) {
        if (c === "\\") i++;
        else if (c === quote) quote = undefined;
        continue;
      }
      if (c === '"' || c === "'" || c === "`") quote = c;
      else if (c === "(") depth++;
      else if (c === ")" && --depth === 0) {
        end = i + 1;
        break;
      }
    }
    found.push({
      file,
      line: source.slice(0, start).split("\n").length,
      text: source.slice(start, end),
    });
  }
  return found;
}

/** A registration is authenticated when it sets authLevel "function" or "admin". */
export function isAuthenticated(registration: HttpRegistration): boolean {
  return /\bauthLevel\s*:\s*["'](function|admin)["']/.test(registration.text);
}
