/**
 * Opaque `ct` tokens for search paging (protocol reference 5.2): the position after the last entry
 * of the page in surrogate-id order. Clients must follow `next` links verbatim; a token the server
 * cannot decode is 400 "The continuation token is invalid.".
 */
import { INVALID_CONTINUATION_TOKEN } from "./messages";
import { badRequest } from "./http-io";
import type { OrderKey } from "./sorted-index";

export function encodeContinuationToken(key: OrderKey): string {
  return Buffer.from(JSON.stringify([key.ms, key.seq]), "utf8").toString("base64url");
}

export function decodeContinuationToken(token: string): OrderKey {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error("not base64url");
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch (_notJson) {
    throw badRequest(INVALID_CONTINUATION_TOKEN);
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    !parsed.every((n) => typeof n === "number" && Number.isFinite(n))
  ) {
    throw badRequest(INVALID_CONTINUATION_TOKEN);
  }
  return { ms: parsed[0] as number, seq: parsed[1] as number };
}
