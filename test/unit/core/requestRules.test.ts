import { describe, expect, it } from "vitest";
import {
  MAX_ECHOED_NAMES,
  checkMethod,
  checkParameters,
  echoedNames,
  unknownParameterNames,
} from "../../../src/core/requestRules";

describe("checkMethod", () => {
  it("accepts an allowed method in any letter case", () => {
    expect(checkMethod("post", ["POST"], "X")).toBeUndefined();
  });

  it("refuses another method with 405, an Allow header and the method to use", () => {
    expect(checkMethod("GET", ["POST"], "X", "`?dryRun=true` changes nothing")).toEqual({
      status: 405,
      headers: { Allow: "POST" },
      message: 'X: method "GET" is not allowed; use POST (`?dryRun=true` changes nothing)',
    });
  });
});

describe("checkParameters", () => {
  it("accepts the accepted names and the function key", () => {
    expect(
      checkParameters(new URLSearchParams("code=k&dryRun=true"), ["dryRun"], "X"),
    ).toBeUndefined();
  });

  it("refuses an unknown name with 400, naming it and listing the accepted ones", () => {
    expect(checkParameters(new URLSearchParams("dryrun2=true"), ["dryRun"], "X")).toEqual({
      status: 400,
      headers: {},
      message: 'X: unknown query parameter "dryrun2"; accepted: dryRun',
    });
  });

  it("matches case when asked to (a handler that reads `format` does not read `Format`)", () => {
    expect(
      checkParameters(new URLSearchParams("Format=json"), ["format"], "X", false)?.message,
    ).toMatch(/"Format"/);
  });

  it("says when no parameter is accepted", () => {
    expect(checkParameters(new URLSearchParams("a=1"), [], "X")?.message).toMatch(
      /accepted: none besides the function key/,
    );
  });
});

describe("echoing unknown names", () => {
  it("lists each distinct unknown name once", () => {
    expect(unknownParameterNames(["a", "b", "a", "code", "CODE"], [])).toEqual(["a", "b"]);
  });

  it("caps how many names are echoed and says how many more there were", () => {
    const names = Array.from({ length: 50 }, (_, i) => `p${i}`);
    const text = echoedNames(names);
    expect(text.match(/"p\d+"/g)).toHaveLength(MAX_ECHOED_NAMES);
    expect(text).toMatch(/and 45 more$/);
  });

  it("cuts a long name short", () => {
    expect(echoedNames(["x".repeat(10_000)]).length).toBeLessThan(50);
  });

  it("escapes control characters instead of echoing them raw", () => {
    expect(echoedNames(["a\u001b[31mb"])).toBe('"a\\u001b[31mb"');
  });
});
