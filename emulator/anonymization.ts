/**
 * `_anonymizationConfig` support. The real server runs the Tools for Health Data Anonymization; the
 * emulator understands exactly the rule the migration tool's sample config uses to repair decimals
 * that AHDS rejects (more than 18 digits):
 *
 *   {"path": "(nodesByType('Observation').value as Quantity).value", "method": "generalize",
 *    "cases": {"$this.length>18": "$this.toString().substring(0,18).toDecimal()"}}
 *
 * meaning: when the decimal's text is longer than N characters, keep its first N characters (a
 * trailing "." dropped). The type and N are read from the rule. Any other method, path or case
 * fails the export job with 400 naming what is not supported.
 */
import {
  isLosslessObject,
  parseLossless,
  RawNumber,
  stringifyLossless,
  type LosslessValue,
} from "../src/core/losslessJson";
import * as msg from "./messages";

export interface TruncateRule {
  resourceType: string;
  elements: string[];
  /** Keep at most this many characters of the decimal's text. */
  length: number;
}

export type ParsedConfig = { ok: true; rules: TruncateRule[] } | { ok: false; reason: string };

const QUANTITY_PATH = /^\(nodesByType\('([A-Z][A-Za-z]+)'\)\.value as Quantity\)\.value$/;
const LENGTH_CASE = /^\$this\.length\s*>\s*(\d+)$/;
const SUBSTRING_EXPR = /^\$this\.toString\(\)\.substring\(0,\s*(\d+)\)\.toDecimal\(\)$/;

function parseRule(raw: {
  path?: unknown;
  method?: unknown;
  cases?: unknown;
}): TruncateRule | string {
  if (raw.method !== "generalize") return msg.anonymizationMethodNotSupported(String(raw.method));
  const type = typeof raw.path === "string" ? QUANTITY_PATH.exec(raw.path)?.[1] : undefined;
  const cases =
    typeof raw.cases === "object" && raw.cases !== null
      ? Object.entries(raw.cases as Record<string, unknown>)
      : [];
  const [condition, expression] = cases.length === 1 ? cases[0]! : ["", ""];
  const limit = LENGTH_CASE.exec(condition)?.[1];
  const keep = typeof expression === "string" ? SUBSTRING_EXPR.exec(expression)?.[1] : undefined;
  if (type === undefined || limit === undefined || keep === undefined || limit !== keep) {
    return `Failed to parse configuration file: the emulator supports only the decimal-truncation rule, not ${JSON.stringify(raw)}.`;
  }
  return { resourceType: type, elements: ["valueQuantity", "value"], length: Number(limit) };
}

export function parseAnonymizationConfig(text: string): ParsedConfig {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `Failed to parse configuration file: ${(error as Error).message}` };
  }
  const list = (config as { fhirPathRules?: unknown }).fhirPathRules;
  if (!Array.isArray(list)) {
    return { ok: false, reason: "Failed to parse configuration file: fhirPathRules is missing." };
  }
  const rules: TruncateRule[] = [];
  for (const raw of list as { path?: unknown; method?: unknown; cases?: unknown }[]) {
    const rule = parseRule(raw);
    if (typeof rule === "string") return { ok: false, reason: rule };
    rules.push(rule);
  }
  return { ok: true, rules };
}

/** `$this.toString().substring(0,N).toDecimal()`: the first N characters, as a decimal. */
function truncateText(text: string, length: number): string {
  return text.length > length ? text.slice(0, length).replace(/\.$/, "") : text;
}

function apply(value: LosslessValue, elements: readonly string[], length: number): LosslessValue {
  if (Array.isArray(value)) return value.map((v) => apply(v, elements, length));
  if (elements.length === 0) {
    return value instanceof RawNumber ? new RawNumber(truncateText(value.text, length)) : value;
  }
  if (!isLosslessObject(value)) return value;
  const [head, ...rest] = elements as [string, ...string[]];
  const child = value[head];
  if (child !== undefined) value[head] = apply(child, rest, length);
  return value;
}

export function anonymizeLine(text: string, rules: readonly TruncateRule[]): string {
  const own = rules.filter((r) => text.includes(`"resourceType":"${r.resourceType}"`));
  if (own.length === 0) return text;
  const obj = parseLossless(text);
  if (!isLosslessObject(obj)) return text;
  for (const rule of own) {
    if (obj["resourceType"] === rule.resourceType) apply(obj, rule.elements, rule.length);
  }
  return stringifyLossless(obj);
}
