import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import type { FhirEmulator } from "../../../emulator";
import {
  call,
  diagnostics,
  IMPORT_HEADERS,
  importBody,
  manualClock,
  startEmulator,
  uniqueName,
  uploadNdjson,
  type ManualClock,
} from "./helpers";

describe("emulator: $import kick-off", () => {
  let emu: FhirEmulator;
  let clock: ManualClock;
  let url: string;
  beforeEach(async () => {
    clock = manualClock();
    emu = await startEmulator({ clock, latency: { importFixedMs: 60_000 } });
    url = await uploadNdjson(uniqueName("imp"), "Patient-1.ndjson", [
      '{"resourceType":"Patient","id":"a"}',
    ]);
  });
  afterEach(async () => {
    await emu.close();
  });

  const post = (body: unknown, headers: Record<string, string> = IMPORT_HEADERS) =>
    call(emu, "POST", "/$import", { headers, body });
  const rejected = async (body: unknown, headers?: Record<string, string>): Promise<string> => {
    const r = await post(body, headers);
    expect(r.status).toBe(400);
    return diagnostics(r);
  };

  it("answers 202 with Content-Location {base}/_operations/import/{integer}", async () => {
    const r = await post(importBody([{ type: "Patient", url }]));
    expect(r.status).toBe(202);
    expect(r.headers.get("content-location")).toMatch(
      new RegExp(`^${emu.baseUrl}/_operations/import/\\d+$`),
    );
  });

  it("requires Prefer to be exactly respond-async", async () => {
    expect(
      await rejected(importBody([{ url }]), {
        ...IMPORT_HEADERS,
        Prefer: "respond-async, handling=lenient",
      }),
    ).toBe(
      'Value supplied, respond-async, handling=lenient,  for the "Prefer" header is not supported.',
    );
  });

  it("requires a Content-Type containing application/fhir+json", async () => {
    expect(
      (
        await post(importBody([{ url }]), {
          ...IMPORT_HEADERS,
          "Content-Type": "application/fhir+json; charset=utf-8",
        })
      ).status,
    ).toBe(202);
    expect(
      await rejected(importBody([{ url }]), {
        ...IMPORT_HEADERS,
        "Content-Type": "application/json",
      }),
    ).toBe('Value supplied, application/json,  for the "Content-Type" header is not supported.');
  });

  it("a body that is not Parameters is 400 with the server's text", async () => {
    expect(await rejected({ resourceType: "Bundle" })).toBe(
      "Import request must be specified as a Paramters.  The body provided in this request is not valid. ",
    );
  });

  it("inputFormat must be application/fhir+ndjson", async () => {
    const body = importBody([{ url }]) as any;
    body.parameter[0].valueString = "application/json";
    expect(await rejected(body)).toBe("Value of the following parameter inputFormat is invalid.");
  });

  it("an unknown mode is 400; an absent mode means IncrementalLoad", async () => {
    const bad = importBody([{ url }]) as any;
    bad.parameter[1].valueString = "Full";
    expect(await rejected(bad)).toBe(
      'Import mode can be either "InitialLoad"or "IncrementalLoad". Please add appropriate mode value to parameters.',
    );
    const absent = importBody([{ url }]) as any;
    absent.parameter.splice(1, 1);
    expect((await post(absent)).status).toBe(202);
  });

  it("InitialLoad without initial import mode is 400", async () => {
    const body = importBody([{ url }]) as any;
    body.parameter[1].valueString = "InitialLoad";
    expect(await rejected(body)).toBe(
      "Initial import mode is not enabled. Please update service configuration to enable initial import mode.",
    );
  });

  it("at least one input is required", async () => {
    expect(await rejected(importBody([]))).toBe(
      "Value of the following parameter input is invalid.",
    );
  });

  it("an input url with a query string (SAS) is 400", async () => {
    expect(await rejected(importBody([{ url: `${url}?sv=2024&sig=x` }]))).toBe(
      "Value of the following parameter input.url is invalid.",
    );
  });

  it("an input url outside the configured storage account is 400; the port is ignored", async () => {
    expect(
      await rejected(importBody([{ url: "https://other.blob.core.windows.net/c/Patient.ndjson" }])),
    ).toBe("input.url must match the configured integration storage account endpoint.");
    const otherPort = new URL(url);
    otherPort.port = "1";
    expect((await post(importBody([{ url: otherPort.toString() }]))).status).toBe(202);
  });

  it("duplicate input urls are 400", async () => {
    expect(await rejected(importBody([{ url }, { url }]))).toBe(
      `Import request cannot have duplicate files. Found duplicates: ${url}. `,
    );
  });

  it("an input type must be an R4 type other than SearchParameter", async () => {
    expect(await rejected(importBody([{ type: "Patinet", url }]))).toBe(
      "Requested operation does not support resource type: Patinet.",
    );
    expect(await rejected(importBody([{ type: "SearchParameter", url }]))).toBe(
      "Requested operation does not support resource type: SearchParameter.",
    );
  });

  it("more than 10,000 inputs are 400", async () => {
    const base = inject("azuriteBlobEndpoint");
    const inputs = Array.from({ length: 10_001 }, (_, i) => ({
      type: "Patient",
      url: `${base}/c/f-${i}.ndjson`,
    }));
    expect((await post(importBody(inputs))).status).toBe(400);
  });

  it("accepts the url as valueString", async () => {
    const body = importBody([{ type: "Patient", url }]) as any;
    body.parameter[2].part[1] = { name: "url", valueString: url };
    expect((await post(body)).status).toBe(202);
  });

  it("the same definition returns the same job, even after it finished; an etag makes it new", async () => {
    const first = await post(importBody([{ type: "Patient", url }]));
    clock.advance(120_000);
    const done = await call(
      emu,
      "GET",
      (first.headers.get("content-location") ?? "").slice(emu.baseUrl.length),
    );
    const again = await post(importBody([{ type: "Patient", url }]));
    const withEtag = await post(importBody([{ type: "Patient", url, etag: '"0x1"' }]));
    expect(done.status).toBe(200);
    expect(again.headers.get("content-location")).toBe(first.headers.get("content-location"));
    expect(withEtag.headers.get("content-location")).not.toBe(
      first.headers.get("content-location"),
    );
  });

  it("a different inputSource makes a different job (it is part of the job definition)", async () => {
    const plain = importBody([{ type: "Patient", url }]) as any;
    const tagged = importBody([{ type: "Patient", url }]) as any;
    tagged.parameter.push({ name: "inputSource", valueUri: "urn:fhir-migrate:attempt-2" });
    const first = await post(plain);
    const second = await post(tagged);
    expect(second.headers.get("content-location")).not.toBe(first.headers.get("content-location"));
  });

  it("more running imports than maxImportJobs get 429 with Retry-After", async () => {
    const limited = await startEmulator({
      clock,
      latency: { importFixedMs: 60_000 },
      maxImportJobs: 1,
    });
    try {
      const call1 = await call(limited, "POST", "/$import", {
        headers: IMPORT_HEADERS,
        body: importBody([{ url }]),
      });
      const call2 = await call(limited, "POST", "/$import", {
        headers: IMPORT_HEADERS,
        body: importBody([{ type: "Patient", url }]),
      });
      expect([call1.status, call2.status]).toEqual([202, 429]);
      expect(call2.headers.get("retry-after")).not.toBeNull();
    } finally {
      await limited.close();
    }
  });
});
