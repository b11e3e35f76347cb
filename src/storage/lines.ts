import { StringDecoder } from "node:string_decoder";

/**
 * Turns a stream of UTF-8 chunks into lines, holding at most one partial line in memory.
 * - "\n" and "\r\n" both end a line; the "\r" is removed.
 * - A last line without a newline is still yielded; a trailing newline does not add an empty line.
 * - Empty lines in the middle are yielded as "" (the caller decides whether they matter).
 * - A UTF-8 byte order mark at the very start is removed.
 * - Multi-byte characters split across chunks are decoded correctly.
 */
export async function* splitLines(
  chunks: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<string, void, undefined> {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  let first = true;
  const text = (chunk: Uint8Array | string) =>
    typeof chunk === "string"
      ? chunk
      : decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  for await (const chunk of chunks) {
    pending += text(chunk);
    if (first && pending.length > 0) {
      if (pending.charCodeAt(0) === 0xfeff) pending = pending.slice(1);
      first = false;
    }
    let start = 0;
    for (let nl = pending.indexOf("\n"); nl !== -1; nl = pending.indexOf("\n", start)) {
      const end = nl > start && pending.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      yield pending.slice(start, end);
      start = nl + 1;
    }
    pending = pending.slice(start);
  }
  pending += decoder.end();
  if (first && pending.charCodeAt(0) === 0xfeff) pending = pending.slice(1);
  if (pending.endsWith("\r")) pending = pending.slice(0, -1);
  if (pending !== "") yield pending;
}
