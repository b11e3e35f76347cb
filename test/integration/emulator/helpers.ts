/** Shared helpers of the emulator conformance suite: a manual clock, HTTP calls and blob access. */
import { randomUUID } from "node:crypto";
import { BlobServiceClient } from "@azure/storage-blob";
import { inject } from "vitest";
import { startFhirEmulator, type EmulatorOptions, type FhirEmulator } from "../../../emulator";

export interface ManualClock {
  now(): number;
  advance(ms: number): void;
  set(ms: number): void;
}

export function manualClock(start = Date.parse("2024-03-05T10:00:00.000Z")): ManualClock {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    set: (ms) => {
      t = ms;
    },
  };
}

/**
 * An emulator for conformance tests. The export status grace period is 0 unless a test sets it:
 * most tests poll once after a job comes due; the grace period has tests of its own.
 */
export function startEmulator(options: Partial<EmulatorOptions> = {}): Promise<FhirEmulator> {
  return startFhirEmulator({
    flavour: "ahds",
    storageConnectionString: inject("azuriteConnectionString"),
    storageBlobEndpoint: inject("azuriteBlobEndpoint"),
    ...options,
    latency: { exportStatusGraceMs: 0, ...options.latency },
  });
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function call(
  emulator: FhirEmulator,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<Reply> {
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body);
  const res = await fetch(`${emulator.baseUrl}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { "Content-Type": "application/fhir+json" } : {}),
      ...options.headers,
    },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  let json: unknown;
  if (text !== "" && (res.headers.get("content-type") ?? "").includes("json"))
    json = JSON.parse(text);
  return { status: res.status, headers: res.headers, text, json };
}

export const EXPORT_HEADERS = { Accept: "application/fhir+json", Prefer: "respond-async" };
export const IMPORT_HEADERS = { Prefer: "respond-async", "Content-Type": "application/fhir+json" };

/** Kick-off path → status path (relative to the base). */
export async function kickOffExport(emulator: FhirEmulator, pathAndQuery: string): Promise<string> {
  const r = await call(emulator, "GET", pathAndQuery, { headers: EXPORT_HEADERS });
  if (r.status !== 202) throw new Error(`export kick-off answered ${r.status}: ${r.text}`);
  return (r.headers.get("content-location") ?? "").slice(emulator.baseUrl.length);
}

export function diagnostics(r: Reply): string {
  return (r.json as { issue: { diagnostics: string }[] }).issue[0]?.diagnostics ?? "";
}

export function blobService(): BlobServiceClient {
  return BlobServiceClient.fromConnectionString(inject("azuriteConnectionString"));
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Uploads NDJSON lines and returns the blob URL as the server sees it. */
export async function uploadNdjson(
  container: string,
  blob: string,
  lines: readonly string[],
): Promise<string> {
  const cc = blobService().getContainerClient(container);
  await cc.createIfNotExists();
  const body = lines.map((l) => `${l}\n`).join("");
  await cc.getBlockBlobClient(blob).upload(body, Buffer.byteLength(body));
  return `${inject("azuriteBlobEndpoint")}/${container}/${blob}`;
}

/** Reads a blob of the storage account by its URL. */
export async function readBlobUrl(url: string): Promise<string> {
  const path = new URL(url).pathname.split("/").slice(2).map(decodeURIComponent);
  const [container, ...rest] = path;
  const buffer = await blobService()
    .getContainerClient(container as string)
    .getBlobClient(rest.join("/"))
    .downloadToBuffer();
  return buffer.toString("utf8");
}

export function ndjsonLines(text: string): any[] {
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l));
}

export function importBody(
  inputs: { type?: string; url: string; etag?: string }[],
  extra: object[] = [],
): object {
  return {
    resourceType: "Parameters",
    parameter: [
      { name: "inputFormat", valueString: "application/fhir+ndjson" },
      { name: "mode", valueString: "IncrementalLoad" },
      ...inputs.map((i) => ({
        name: "input",
        part: [
          ...(i.type !== undefined ? [{ name: "type", valueString: i.type }] : []),
          { name: "url", valueUri: i.url },
          ...(i.etag !== undefined ? [{ name: "etag", valueString: i.etag }] : []),
        ],
      })),
      ...extra,
    ],
  };
}
