import { describe, expect, it } from "vitest";
import { splitLines } from "../../../src/storage/lines";

// Pure line splitting (no Azurite needed); it sits with the blob store tests it serves.
async function* chunksOf(...parts: (string | Buffer)[]): AsyncGenerator<string | Buffer> {
  for (const part of parts) yield part;
}

async function lines(...parts: (string | Buffer)[]): Promise<string[]> {
  const result: string[] = [];
  for await (const line of splitLines(chunksOf(...parts))) result.push(line);
  return result;
}

describe("splitLines", () => {
  it("splits on LF and on CRLF, removing the CR", async () => {
    expect(await lines("a\r\nb\nc\r\n")).toEqual(["a", "b", "c"]);
  });

  it("yields a last line without a newline", async () => {
    expect(await lines("a\nb")).toEqual(["a", "b"]);
  });

  it("joins a line split across chunks, including a CRLF split between them", async () => {
    expect(await lines("ab", "c\r", "\nd")).toEqual(["abc", "d"]);
  });

  it("decodes a multi-byte character split across chunks", async () => {
    const bytes = Buffer.from("é\n", "utf8");
    expect(await lines(bytes.subarray(0, 1), bytes.subarray(1))).toEqual(["é"]);
  });

  it("keeps empty lines in the middle", async () => {
    expect(await lines("a\n\nb\n")).toEqual(["a", "", "b"]);
  });

  it("removes a byte order mark at the start", async () => {
    expect(await lines(Buffer.from([0xef, 0xbb, 0xbf]), "a\n")).toEqual(["a"]);
  });

  it("yields nothing for empty input", async () => {
    expect(await lines()).toEqual([]);
  });

  it("yields each line before the next chunk is read", async () => {
    const events: string[] = [];
    async function* source() {
      events.push("read 1");
      yield "a\nb";
      events.push("read 2");
      yield "\nc";
    }
    for await (const line of splitLines(source())) events.push(`line ${line}`);
    expect(events).toEqual(["read 1", "line a", "read 2", "line b", "line c"]);
  });
});
