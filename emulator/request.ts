/** The parsed form of one request (HTTP or batch entry) that handlers work on. */
import type { IncomingHttpHeaders } from "node:http";

export interface FhirRequest {
  method: string;
  /** Decoded path, e.g. "/Patient/1/_history". */
  pathname: string;
  /** Non-empty decoded path segments. */
  segments: string[];
  /** Query pairs in received order. */
  pairs: [string, string][];
  /** Path and query exactly as received (manifests echo the kick-off URI). */
  rawUrl: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** An entry of a batch or transaction bundle (its resource was parsed leniently, fhir-parse.ts). */
  bundleEntry?: boolean;
}

export function parseRequestTarget(
  rawUrl: string,
): Pick<FhirRequest, "pathname" | "segments" | "pairs"> {
  const url = new URL(rawUrl, "http://emulator.invalid");
  const segments = url.pathname
    .split("/")
    .filter((s) => s !== "")
    .map((s) => decodeURIComponent(s));
  return { pathname: url.pathname, segments, pairs: [...url.searchParams.entries()] };
}

/** A single header value; repeated headers are joined with ", " by node, as a list. */
export function header(req: FhirRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(", ") : v;
}

/** `Prefer: handling=strict` turns search warnings into 400s. */
export function preferStrict(req: FhirRequest): boolean {
  return (header(req, "prefer") ?? "")
    .split(",")
    .some((t) => t.trim().toLowerCase() === "handling=strict");
}
