/**
 * Values the destination's SQL search index cannot hold, found on the export line's text before it
 * is sent (never through a JS double: `5000000000000000000.5` must keep its digits).
 *
 * microsoft/fhir-server indexes number and quantity search values in `decimal(36,18)` columns
 * (src/Microsoft.Health.Fhir.SqlServer/Features/Schema/Sql/Types/NumberSearchParamList.sql,
 * QuantitySearchParamList.sql). SqlClient converts each value to the column's precision and scale
 * when it writes the table-valued parameter (TdsValueSetter.SetSqlDecimal calls
 * SqlDecimal.ConvertToPrecScale(value, 36, 18)):
 * - extra fraction digits are rounded, never refused;
 * - from 1e18 up to 1e20 the scaled value fits SqlDecimal's 38 digits but not 36: a
 *   SqlTruncateException, which ImportProcessingJob.cs does not map, so the import job fails with
 *   500 and GetImportRequestHandler.cs hides the reason ("InternalServerError");
 * - from 1e20 the scaling itself passes 10^38: an OverflowException "Arithmetic Overflow."
 *   (SqlDecimal.MultByULong), mapped to a 400 that names the reason.
 * Either way the whole processing job fails, so the product keeps such a line out of the job.
 *
 * Only values an indexed search parameter reads matter: the `number` and `quantity` entries of
 * src/Microsoft.Health.Fhir.Core/Data/R4/search-parameters.json, less those
 * Data/R4/unsupported-search-parameters.json lists as unsupported (Encounter-length). The emulator
 * models the same server on its own (emulator/decimal.ts); the two are kept apart on purpose, so a
 * mistake here is caught by the emulator rather than shared with it.
 */
import { arrayElements, objectMembers, type Span, wholeSpan } from "./rawJson";

/** Resource types whose `useContext.value[x]` is indexed by `context-quantity`. */
const CONTEXT_QUANTITY_TYPES = [
  "ActivityDefinition",
  "CapabilityStatement",
  "ChargeItemDefinition",
  "CodeSystem",
  "CompartmentDefinition",
  "ConceptMap",
  "EffectEvidenceSynthesis",
  "EventDefinition",
  "Evidence",
  "EvidenceVariable",
  "ExampleScenario",
  "GraphDefinition",
  "ImplementationGuide",
  "Library",
  "Measure",
  "MessageDefinition",
  "NamingSystem",
  "OperationDefinition",
  "PlanDefinition",
  "Questionnaire",
  "ResearchDefinition",
  "ResearchElementDefinition",
  "RiskEvidenceSynthesis",
  "SearchParameter",
  "StructureDefinition",
  "StructureMap",
  "TerminologyCapabilities",
  "TestScript",
  "ValueSet",
] as const;

const CONTEXT_PATHS = [
  "useContext.valueQuantity.value",
  "useContext.valueRange.low.value",
  "useContext.valueRange.high.value",
];

/** Indexed number and quantity values per type, as JSON paths (arrays are walked through). */
export const INDEXED_NUMBER_PATHS: Readonly<Record<string, readonly string[]>> = {
  ...Object.fromEntries(CONTEXT_QUANTITY_TYPES.map((t) => [t, CONTEXT_PATHS])),
  ChargeItem: ["factorOverride", "priceOverride.value", "quantity.value"],
  Condition: [
    "abatementAge.value",
    "abatementRange.low.value",
    "abatementRange.high.value",
    "onsetAge.value",
    "onsetRange.low.value",
    "onsetRange.high.value",
  ],
  Invoice: ["totalGross.value", "totalNet.value"],
  MolecularSequence: [
    "variant.start",
    "variant.end",
    "referenceSeq.windowStart",
    "referenceSeq.windowEnd",
  ],
  Observation: ["valueQuantity.value", "component.valueQuantity.value"],
  RiskAssessment: ["prediction.probabilityDecimal"],
  Substance: ["instance.quantity.value"],
};

/** Integer digits a decimal(36,18) column holds. */
const MAX_INTEGER_DIGITS = 18;
/** From this many integer digits the scaling to 18 fraction digits passes 10^38 (1e20). */
const OVERFLOW_INTEGER_DIGITS = 21;

/**
 * Digits before the decimal point of |value| once rounded half away from zero to 18 fraction
 * digits, leading zeros not counted (`999999999999999999.9999999999999999995` rounds to 1e18).
 * undefined when the text is not a JSON number.
 */
export function integerDigits(text: string): number | undefined {
  const m = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (m === null) return undefined;
  const intPart = m[1] as string;
  const digits = intPart + (m[2] ?? "");
  const point = intPart.length + (m[3] === undefined ? 0 : Number(m[3]));
  if (point <= 0) return 0;
  const whole =
    point >= digits.length ? digits + "0".repeat(point - digits.length) : digits.slice(0, point);
  const fraction = point >= digits.length ? "" : digits.slice(point);
  let integer = whole.replace(/^0+/, "");
  const roundsUp =
    fraction.length > 18 && Number(fraction[18]) >= 5 && /^9{18}$/.test(fraction.slice(0, 18));
  if (roundsUp) integer = /^9*$/.test(integer) ? `1${"0".repeat(integer.length)}` : integer;
  return integer.length;
}

/** An indexed value the destination cannot hold, and how its import job fails on it. */
export interface UnholdableNumber {
  path: string;
  value: string;
  /** "hidden": 500 without a reason (1e18 up to 1e20); "named": 400 "Arithmetic Overflow." (1e20 on). */
  failure: "hidden" | "named";
}

function valuesAt(text: string, span: Span, path: readonly string[]): Span[] {
  const first = text[span.start];
  if (first === "[") return arrayElements(text, span).flatMap((e) => valuesAt(text, e, path));
  if (path.length === 0) return [span];
  if (first !== "{") return [];
  const [head, ...rest] = path;
  const member = objectMembers(text, span).find((m) => m.key === head);
  return member === undefined ? [] : valuesAt(text, member.value, rest);
}

function resourceTypeOf(text: string, span: Span): string | undefined {
  const member = objectMembers(text, span).find((m) => m.key === "resourceType");
  if (member === undefined) return undefined;
  const raw = text.slice(member.value.start, member.value.end);
  return raw.startsWith('"') ? (JSON.parse(raw) as string) : undefined;
}

const LARGE_NUMBER_HINT = /\d{19}|\d[eE]\+?\d/;

/**
 * The first indexed number or quantity of an export line that a decimal(36,18) column cannot hold;
 * undefined when every indexed value fits, or when the line is not a JSON object (the server
 * refuses such a line by itself, as one error line).
 */
export function unholdableNumber(line: string): UnholdableNumber | undefined {
  // A value of 1e18 or more is written with 19 integer digits or an exponent: most lines stop here.
  if (!LARGE_NUMBER_HINT.test(line)) return undefined;
  try {
    const span = wholeSpan(line);
    if (line[span.start] !== "{") return undefined;
    const type = resourceTypeOf(line, span);
    for (const path of type === undefined ? [] : (INDEXED_NUMBER_PATHS[type] ?? [])) {
      for (const value of valuesAt(line, span, path.split("."))) {
        const text = line.slice(value.start, value.end);
        const digits = integerDigits(text);
        if (digits === undefined || digits <= MAX_INTEGER_DIGITS) continue;
        const failure = digits >= OVERFLOW_INTEGER_DIGITS ? "named" : "hidden";
        return { path, value: text, failure };
      }
    }
  } catch {
    // Not JSON: the server refuses the line by itself, as one error line.
  }
  return undefined;
}

/** Why a line was kept out of its import job, in words for the failed-resource row. */
export function describeUnholdable(u: UnholdableNumber): string {
  const how =
    u.failure === "hidden"
      ? "its import job would fail with 500 and no reason"
      : 'its import job would fail with 400 "Arithmetic Overflow."';
  return `Not sent: ${u.path} ${u.value} is beyond what the destination's decimal(36,18) search index holds (less than 1e18 in absolute value); ${how}, so it was kept out and the rest of the file imported`;
}
