/**
 * Decimal rules of the AHDS SQL store. Number and quantity search values are indexed in
 * `decimal(36,18)` columns (src/Microsoft.Health.Fhir.SqlServer/Features/Schema/Sql/Tables/
 * NumberSearchParam.sql, QuantitySearchParam.sql, and the table types of the merge,
 * Sql/Types/NumberSearchParamList.sql, QuantitySearchParamList.sql): 18 integer digits and 18
 * fraction digits. SqlClient converts each value to the column's type while it writes the
 * table-valued parameter (Microsoft.Data.SqlClient TdsValueSetter.SetSqlDecimal:
 * SqlDecimal.ConvertToPrecScale(value, 36, 18)); what that throws decides the failure:
 * - extra fraction digits are rounded, never rejected;
 * - 1e18 up to 1e20 (in absolute value): scaled to 18 fraction digits the value needs 37 or 38
 *   digits, which SqlDecimal holds but precision 36 does not: SqlTruncateException ("Numeric
 *   arithmetic causes truncation."), not an OverflowException;
 * - 1e20 and more: the scaling itself passes 10^38 (SqlDecimal.MultByULong): OverflowException
 *   "Arithmetic Overflow." (System.Data.SqlTypes SQLResource.ArithOverflowMessage).
 * Everything is decided on the source text, never through a JS double.
 */
import { RawNumber, type LosslessObject } from "../src/core/losslessJson";

/** Integer digits a decimal(36,18) column holds. */
export const MAX_INTEGER_DIGITS = 18;

/** Integer digits from which scaling to 18 fraction digits passes SqlDecimal's 10^38 (1e20). */
const ARITHMETIC_OVERFLOW_DIGITS = 21;

/** How converting an indexed value to decimal(36,18) fails (see the file comment). */
export type IndexFailure = "truncation" | "overflow";

interface DecimalParts {
  sign: string;
  intPart: string;
  fracPart: string;
  exponent: number;
}

function split(text: string): DecimalParts {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (m === null) throw new Error(`not a JSON number: ${text}`);
  return {
    sign: m[1] ?? "",
    intPart: m[2] ?? "",
    fracPart: m[3] ?? "",
    exponent: m[4] === undefined ? 0 : Number(m[4]),
  };
}

/**
 * Digits before the decimal point of |value| once rounded to 18 fraction digits, leading zeros
 * not counted. `999999999999999999.9999999999999999995` rounds up to 1e18 (19 digits).
 */
function integerDigitsAfterRounding(text: string): number {
  const { intPart, fracPart, exponent } = split(text);
  const digits = intPart + fracPart;
  // Position of the decimal point in `digits` after applying the exponent.
  const point = intPart.length + exponent;
  if (point <= 0) return 0;
  const whole =
    point >= digits.length ? digits + "0".repeat(point - digits.length) : digits.slice(0, point);
  const fraction = point >= digits.length ? "" : digits.slice(point);
  let integer = whole.replace(/^0+/, "");
  // Round half away from zero at the 19th fraction digit, as SqlDecimal does.
  if (fraction.length > 18 && Number(fraction[18]) >= 5 && /^9{18}$/.test(fraction.slice(0, 18))) {
    integer =
      integer.length === 0
        ? "1"
        : /^9+$/.test(integer)
          ? `1${"0".repeat(integer.length)}`
          : integer;
  }
  return integer.length;
}

/** How a decimal(36,18) index column refuses the value; undefined when it holds it (|value| < 1e18 after rounding). */
export function decimal36_18Failure(text: string): IndexFailure | undefined {
  const digits = integerDigitsAfterRounding(text);
  if (digits <= MAX_INTEGER_DIGITS) return undefined;
  return digits >= ARITHMETIC_OVERFLOW_DIGITS ? "overflow" : "truncation";
}

/**
 * Where R4 number and quantity search parameters read their values, as JSON paths (arrays are
 * walked through), from the `number` and `quantity` entries of
 * src/Microsoft.Health.Fhir.Core/Data/R4/search-parameters.json, less the ones
 * Data/R4/unsupported-search-parameters.json lists as "Unsupported" (Encounter-length; the
 * "PartialSupport" ones are indexed). Only these values get an index row; a large number anywhere
 * else is stored without complaint. `*` applies to every type.
 */
const INDEXED_NUMBER_PATHS: Readonly<Record<string, readonly string[]>> = {
  "*": [
    "useContext.valueQuantity.value",
    "useContext.valueRange.low.value",
    "useContext.valueRange.high.value",
  ],
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

function valuesAt(value: unknown, path: readonly string[]): unknown[] {
  if (Array.isArray(value)) return value.flatMap((v) => valuesAt(v, path));
  if (path.length === 0) return [value];
  if (value === null || typeof value !== "object") return [];
  const [head, ...rest] = path;
  return valuesAt((value as Record<string, unknown>)[head as string], rest);
}

/**
 * How writing the resource's index rows fails: the first indexed number or quantity value a
 * decimal(36,18) column cannot hold decides; undefined when every indexed value fits.
 */
export function indexFailure(resource: LosslessObject): IndexFailure | undefined {
  const type = typeof resource.resourceType === "string" ? resource.resourceType : "";
  const paths = [...(INDEXED_NUMBER_PATHS["*"] ?? []), ...(INDEXED_NUMBER_PATHS[type] ?? [])];
  for (const path of paths) {
    for (const v of valuesAt(resource, path.split("."))) {
      const failure = v instanceof RawNumber ? decimal36_18Failure(v.text) : undefined;
      if (failure !== undefined) return failure;
    }
  }
  return undefined;
}
