import { describe, expect, it } from "vitest";
import { integerDigits, unholdableNumber } from "../../../src/core/indexedNumbers";

const observation = (value: string): string =>
  `{"resourceType":"Observation","id":"o","status":"final","code":{"text":"x"},"valueQuantity":{"value":${value},"unit":"mg"}}`;

describe("integerDigits", () => {
  it("counts the integer digits of the text, exponents applied, without a double", () => {
    expect(integerDigits("999999999999999999")).toBe(18);
    expect(integerDigits("1e18")).toBe(19);
    expect(integerDigits("-1000000000000000000")).toBe(19);
    expect(integerDigits("12345678901.01234567890120")).toBe(11);
    expect(integerDigits("0.5")).toBe(0);
    expect(integerDigits("5E-3")).toBe(0);
  });

  it("rounds half away from zero at the 19th fraction digit first", () => {
    expect(integerDigits("999999999999999999.9999999999999999995")).toBe(19);
    expect(integerDigits("999999999999999999.9999999999999999994")).toBe(18);
  });
});

describe("unholdableNumber", () => {
  it("a value below 1e18 fits", () => {
    expect(unholdableNumber(observation("999999999999999999.99"))).toBeUndefined();
  });

  it("1e18 up to 1e20 fails its job with the reason hidden", () => {
    expect(unholdableNumber(observation("5e18"))).toEqual({
      path: "valueQuantity.value",
      value: "5e18",
      failure: "hidden",
    });
    expect(unholdableNumber(observation("99999999999999999999.4"))?.failure).toBe("hidden");
  });

  it("1e20 and more fails its job with the reason named", () => {
    expect(unholdableNumber(observation("1e20"))?.failure).toBe("named");
    expect(unholdableNumber(observation("1234567890123456789012.5"))?.failure).toBe("named");
  });

  it("finds a component's quantity", () => {
    const line =
      '{"resourceType":"Observation","id":"o","component":[{"valueQuantity":{"value":1}},{"valueQuantity":{"value":2e19}}]}';
    expect(unholdableNumber(line)).toMatchObject({ path: "component.valueQuantity.value" });
  });

  it("a large number nothing indexes is sent (valueInteger, Encounter.length)", () => {
    expect(
      unholdableNumber(
        '{"resourceType":"Observation","id":"o","valueInteger":12345678901234567890123}',
      ),
    ).toBeUndefined();
    expect(
      unholdableNumber('{"resourceType":"Encounter","id":"e","length":{"value":1e19}}'),
    ).toBeUndefined();
  });

  it("a line that is not JSON is left to the server", () => {
    expect(
      unholdableNumber('{"resourceType":"Observation","valueQuantity":{"value":1e19'),
    ).toBeUndefined();
  });
});
