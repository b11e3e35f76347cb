/**
 * `_anonymizationConfig` support. The real server runs the FHIR-Tools-for-Anonymization engine; the
 * emulator understands exactly one rule shape, enough to test decimal-precision repair:
 *
 *   {"fhirPathRules":[{"path":"Observation.valueQuantity.value","method":"truncate","digits":18}]}
 *
 * meaning: keep at most `digits` significant digits of that decimal (truncating, on the source
 * text). `path` is `Type.element.element...`; arrays on the way are walked element by element.
 * Any other method fails the export job with 400 naming the method.
 */
import { truncateSignificant } from "./decimal";
import {
  isLosslessObject,
  parseLossless,
  RawNumber,
  stringifyLossless,
  type LosslessValue,
} from "./lossless-json";
import * as msg from "./messages";

export interface TruncateRule {
  resourceType: string;
  elements: string[];
  digits: number;
}

export type ParsedConfig = { ok: true; rules: TruncateRule[] } | { ok: false; reason: string };

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
  for (const raw of list as { path?: unknown; method?: unknown; digits?: unknown }[]) {
    if (raw.method !== "truncate")
      return { ok: false, reason: msg.anonymizationMethodNotSupported(String(raw.method)) };
    const path = typeof raw.path === "string" ? raw.path.split(".") : [];
    const digits = typeof raw.digits === "number" ? raw.digits : Number.NaN;
    if (path.length < 2 || !Number.isInteger(digits) || digits < 1) {
      return {
        ok: false,
        reason: `Failed to parse configuration file: invalid rule ${JSON.stringify(raw)}.`,
      };
    }
    rules.push({ resourceType: path[0] as string, elements: path.slice(1), digits });
  }
  return { ok: true, rules };
}

function apply(value: LosslessValue, elements: readonly string[], digits: number): LosslessValue {
  if (Array.isArray(value)) return value.map((v) => apply(v, elements, digits));
  if (elements.length === 0) {
    return value instanceof RawNumber
      ? new RawNumber(truncateSignificant(value.text, digits))
      : value;
  }
  if (!isLosslessObject(value)) return value;
  const [head, ...rest] = elements as [string, ...string[]];
  const child = value[head];
  if (child !== undefined) value[head] = apply(child, rest, digits);
  return value;
}

export function anonymizeLine(text: string, rules: readonly TruncateRule[]): string {
  const own = rules.filter((r) => text.includes(`"resourceType":"${r.resourceType}"`));
  if (own.length === 0) return text;
  const obj = parseLossless(text);
  if (!isLosslessObject(obj)) return text;
  for (const rule of own) {
    if (obj["resourceType"] === rule.resourceType) apply(obj, rule.elements, rule.digits);
  }
  return stringifyLossless(obj);
}
