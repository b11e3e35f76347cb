import { describe, expect, it } from "vitest";
import { stripControlCharacters } from "../../../src/core/terminalText";

describe("stripControlCharacters", () => {
  it.each([
    { name: "an SGR colour", text: "a\u001b[31mred\u001b[0m b", expected: "ared b" },
    { name: "a cursor move and line erase", text: "x\u001b[2K\u001b[1Ay", expected: "xy" },
    { name: "an OSC title change", text: "a\u001b]0;pwned\u0007b", expected: "ab" },
    {
      name: "an OSC 8 hyperlink",
      text: "\u001b]8;;https://evil\u001b\\click\u001b]8;;\u001b\\",
      expected: "click",
    },
    {
      name: "a carriage return that would overwrite the line",
      text: "ok\rFAKE",
      expected: "okFAKE",
    },
    { name: "backspace and bell", text: "a\u0008\u0007b", expected: "ab" },
    { name: "C1 controls, the 8-bit CSI included", text: "a\u009b31mb\u0085c", expected: "abc" },
    { name: "bidirectional overrides", text: "a\u202eb\u2066c", expected: "abc" },
    { name: "a lone ESC at the end", text: "a\u001b", expected: "a" },
  ])("removes $name", ({ text, expected }) => {
    expect(stripControlCharacters(text)).toBe(expected);
  });

  it("keeps newlines, tabs and ordinary Unicode", () => {
    const text = "line 1\n\tline 2 — Ünïcödé ✓\n";
    expect(stripControlCharacters(text)).toBe(text);
  });
});
