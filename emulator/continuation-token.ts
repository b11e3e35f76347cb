/**
 * Opaque `ct` tokens for search paging (docs/server-behaviour.md §5.2): the position after the last entry
 * returned so far in surrogate-id order (absent when nothing was returned yet, as after an empty
 * first page on the Cosmos store), and the 1-based number of the page the token leads to. Clients
 * must follow `next` links verbatim; a token the server cannot decode is 400 "The continuation
 * token is invalid.".
 */
import { INVALID_CONTINUATION_TOKEN } from "./messages";
import { badRequest } from "./http-io";
import type { OrderKey } from "./sorted-index";

export interface Continuation {
  cursor?: OrderKey;
  /** Position of the page this token leads to (the first page is 1). */
  page: number;
}

export function encodeContinuationToken(c: Continuation): string {
  const parts = c.cursor === undefined ? [c.page] : [c.cursor.ms, c.cursor.seq, c.page];
  return Buffer.from(JSON.stringify(parts), "utf8").toString("base64url");
}

export function decodeContinuationToken(token: string): Continuation {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error("not base64url");
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch (_notJson) {
    throw badRequest(INVALID_CONTINUATION_TOKEN);
  }
  if (
    !Array.isArray(parsed) ||
    (parsed.length !== 1 && parsed.length !== 3) ||
    !parsed.every((n) => typeof n === "number" && Number.isFinite(n))
  ) {
    throw badRequest(INVALID_CONTINUATION_TOKEN);
  }
  const nums = parsed as number[];
  if (nums.length === 1) return { page: nums[0] as number };
  return { cursor: { ms: nums[0] as number, seq: nums[1] as number }, page: nums[2] as number };
}
