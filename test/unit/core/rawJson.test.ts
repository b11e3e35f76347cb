import { describe, expect, it } from "vitest";
import { arrayElements, objectMembers, wholeSpan } from "../../../src/core/rawJson";

const text = (t: string, s: { start: number; end: number }) => t.slice(s.start, s.end);

describe("objectMembers", () => {
  it("gives each member's value text exactly, strings with escaped quotes and brackets included", () => {
    const t = ' { "a" : 1.50 , "b":"x\\"}]" ,"c":{"d":[1,{"e":"]"}]},"f":null } ';
    const members = objectMembers(t, wholeSpan(t));
    expect(members.map((m) => [m.key, text(t, m.value)])).toEqual([
      ["a", "1.50"],
      ["b", '"x\\"}]"'],
      ["c", '{"d":[1,{"e":"]"}]}'],
      ["f", "null"],
    ]);
  });

  it("decodes escaped member names", () => {
    const t = '{"\\u0065ntry":[]}';
    expect(objectMembers(t, wholeSpan(t))[0]?.key).toBe("entry");
  });

  it("reads an empty object", () => {
    expect(objectMembers("{}", wholeSpan("{}"))).toEqual([]);
  });

  it.each(['{"a":1', '{"a" 1}', '{"a":"x', "[1]"])("rejects %s", (t) => {
    expect(() => objectMembers(t, { start: 0, end: t.length })).toThrow(/Malformed JSON/);
  });
});

describe("arrayElements", () => {
  it("gives each element's text", () => {
    const t = '[ {"a":[1,2]} , "s" ,3e2 ]';
    expect(arrayElements(t, wholeSpan(t)).map((s) => text(t, s))).toEqual([
      '{"a":[1,2]}',
      '"s"',
      "3e2",
    ]);
  });

  it("reads an empty array", () => {
    expect(arrayElements("[ ]", wholeSpan("[ ]"))).toEqual([]);
  });
});
