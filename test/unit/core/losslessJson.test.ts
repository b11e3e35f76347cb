import { describe, expect, it } from "vitest";
import {
  RawNumber,
  numbersReadBackExactly,
  parseLossless,
  stringifyLossless,
} from "../../../src/core/losslessJson";

describe("parseLossless", () => {
  it("keeps each number as its literal and round-trips the text", () => {
    const text = '{"a":1.50,"b":[1e2,-0,12345678901234567890],"c":"x\\"y\\u00e9"}';
    const value = parseLossless(text) as Record<string, unknown>;
    expect(value.a).toEqual(new RawNumber("1.50"));
    expect(value.c).toBe('x"yé');
    expect(stringifyLossless(value)).toBe(text.replace("\\u00e9", "é"));
  });

  it("refuses a raw control character inside a string, as JSON does", () => {
    expect(() => parseLossless('{"a":"x\u0001"}')).toThrow(SyntaxError);
  });
});

describe("numbersReadBackExactly", () => {
  it.each(["1.5", "100", "-3.25", "0", "1e+21", '"1.50"'])("is true for %s", (literal) => {
    expect(numbersReadBackExactly(`{"v":${literal}}`)).toBe(true);
  });

  it.each(["1.50", "1e2", "-0", "1.0", "12345678901234567890", "0.10"])(
    "is false for %s",
    (literal) => {
      expect(numbersReadBackExactly(`{"v":${literal}}`)).toBe(false);
    },
  );

  it("skips strings, escaped quotes included", () => {
    expect(numbersReadBackExactly('{"a":"1.50 \\" 2.0","b":3}')).toBe(true);
  });
});
