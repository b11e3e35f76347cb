import { describe, expect, it } from "vitest";
import { idAtLine, parseImportErrorLine } from "../../../src/engine/importErrors";

async function* lines(items: string[]) {
  for (const item of items) yield item;
}

describe("parseImportErrorLine", () => {
  it("reads the id and line of a version conflict", () => {
    const text = JSON.stringify({
      resourceType: "OperationOutcome",
      issue: [
        {
          severity: "error",
          details: {
            text: "Failed to import resource with version conflict, resource id: obs-9, line: 41",
          },
          diagnostics: "Failed to process resource at line: 41 with stream start offset: 0",
        },
      ],
    });
    expect(parseImportErrorLine(text)).toMatchObject({ id: "obs-9", line: 41, offset: 0 });
  });

  it("keeps the line and offset when the text names no id", () => {
    const text = JSON.stringify({
      resourceType: "OperationOutcome",
      issue: [
        {
          severity: "error",
          details: { text: "Arithmetic overflow" },
          diagnostics: "Failed to process resource at line: 3 with stream start offset: 120",
        },
      ],
    });
    expect(parseImportErrorLine(text)).toMatchObject({
      id: undefined,
      line: 3,
      offset: 120,
      reason: "Arithmetic overflow",
    });
  });

  it("reports an unreadable line instead of dropping it", () => {
    expect(parseImportErrorLine("not json").reason).toMatch(/Unreadable error line/);
  });
});

describe("idAtLine", () => {
  it("counts lines from 1 at offset 0", async () => {
    const file = ['{"id":"a"}', '{"id":"b"}'];
    expect(await idAtLine(lines(file), 0, 1)).toBe("a");
  });

  it("skips empty lines when counting", async () => {
    const file = ['{"id":"a"}', "", '{"id":"b"}'];
    expect(await idAtLine(lines(file), 0, 2)).toBe("b");
  });

  it("a unit past byte 0 skips the line it starts in, even one starting exactly at its offset", async () => {
    const file = ['{"id":"a"}', '{"id":"b"}', '{"id":"c"}'];
    const offset = Buffer.byteLength(file[0]!) + 1;
    expect(await idAtLine(lines(file), offset, 1)).toBe("c");
  });

  it("a unit starting inside a line begins with the next line", async () => {
    const file = ['{"id":"a"}', '{"id":"b"}', '{"id":"c"}'];
    expect(await idAtLine(lines(file), 3, 1)).toBe("b");
  });
});
