import { readFileSync } from "node:fs";
import { BlobServiceClient } from "@azure/storage-blob";
import type { EmulatorStore } from "../test/support/emulator";

/**
 * Observations with a decimal longer than the AHDS FHIR service accepts (it stores decimal(36,18)):
 * Azure API for FHIR holds them, incremental import rejects them line by line.
 */
export function seedLongDecimals(store: EmulatorStore, count: number, _at: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `obs-precise-${i}`;
    // Raw JSON text, so the 25-digit decimal is stored exactly (a JS number would round it).
    store.create(
      `{"resourceType":"Observation","id":"${id}","status":"final","code":{"text":"Lab value"},"valueQuantity":{"value":12345678901.0123456789012${i},"unit":"mg"}}`,
    );
    ids.push(id);
  }
  return ids;
}

/** Puts the repository's sample anonymization config where the source reads it: the `anonymization` container. */
export async function uploadAnonymizationConfig(connectionString: string): Promise<void> {
  const config = readFileSync("infra/anonymization/DemoTruncate.json", "utf8");
  const container =
    BlobServiceClient.fromConnectionString(connectionString).getContainerClient("anonymization");
  await container.createIfNotExists();
  await container.getBlockBlobClient("DemoTruncate.json").upload(config, Buffer.byteLength(config));
}
