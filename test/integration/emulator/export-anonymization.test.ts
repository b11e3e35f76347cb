import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FhirEmulator } from "../../../emulator";
import {
  blobService,
  call,
  kickOffExport,
  readBlobUrl,
  startEmulator,
  uniqueName,
} from "./helpers";

async function putConfig(name: string, config: unknown): Promise<void> {
  const cc = blobService().getContainerClient("anonymization");
  await cc.createIfNotExists();
  const body = JSON.stringify(config);
  await cc.getBlockBlobClient(name).upload(body, Buffer.byteLength(body));
}

describe("emulator: anonymized $export", () => {
  let emu: FhirEmulator;
  let container: string;
  beforeEach(async () => {
    emu = await startEmulator({ flavour: "apiForFhir" });
    container = uniqueName("anon");
    emu.store.update(
      '{"resourceType":"Observation","id":"o","valueQuantity":{"value":12345678901.0123456789012}}',
    );
  });
  afterEach(async () => {
    await emu.close();
  });

  it("applies the sample's rule: decimals longer than 18 characters keep their first 18", async () => {
    const name = `${uniqueName("cfg")}.json`;
    await putConfig(
      name,
      JSON.parse(readFileSync("infra/anonymization/DemoTruncate.json", "utf8")),
    );
    const r = await call(
      emu,
      "GET",
      await kickOffExport(emu, `/$export?_container=${container}&_anonymizationConfig=${name}`),
    );
    expect(r.status).toBe(200);
    expect(await readBlobUrl(r.json.output[0].url)).toContain('"value":12345678901.012345}');
  });

  it("a missing config blob fails the job with 400", async () => {
    const r = await call(
      emu,
      "GET",
      await kickOffExport(emu, `/$export?_container=${container}&_anonymizationConfig=none.json`),
    );
    expect(r.status).toBe(400);
    expect(r.json.issue[0].diagnostics).toMatch(
      /^export operation failed for reason: .*none\.json/,
    );
  });

  it("a rule with another method fails the job with 400 naming the method", async () => {
    const name = `${uniqueName("cfg")}.json`;
    await putConfig(name, { fhirPathRules: [{ path: "Patient.name", method: "redact" }] });
    const r = await call(
      emu,
      "GET",
      await kickOffExport(emu, `/$export?_container=${container}&_anonymizationConfig=${name}`),
    );
    expect(r.status).toBe(400);
    expect(r.json.issue[0].diagnostics).toContain("'redact'");
  });
});
