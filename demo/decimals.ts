import { readFileSync } from "node:fs";
import { BlobServiceClient } from "@azure/storage-blob";
import type { EmulatorStore } from "../emulator";

/**
 * Observations whose quantity the AHDS FHIR service cannot index: its SQL store keeps number and
 * quantity search values as decimal(36,18), and a value of 1e18 or more fails the whole import
 * processing job (docs/operations.md, "Resources the destination refuses"): from 1e18 up to 1e20
 * with 500 and no reason, from 1e20 with 400 "Arithmetic Overflow.". Even `i` seeds a value of
 * the first range (about 1.2e19), odd `i` one of the second (about 1.2e22). Azure API for FHIR
 * holds them. Extra fraction digits alone are fine (rounded in the index), so each value also
 * carries more than 18 of them. The text is raw JSON, so the digits are stored exactly.
 */
export function longDecimalObservation(i: number): { id: string; text: string } {
  const id = `obs-precise-${i}`;
  const integer = `${i % 2 === 0 ? "12345678901234567" : "12345678901234567890"}${String(i).padStart(3, "0")}`;
  return {
    id,
    text: `{"resourceType":"Observation","id":"${id}","status":"final","code":{"text":"Lab value"},"valueQuantity":{"value":${integer}.0123456789012345678901,"unit":"mg"}}`,
  };
}

/** Where among `writes` seeded writes the k-th of `count` such Observations goes (spread evenly). */
export function longDecimalPositions(count: number, writes: number): Map<number, number> {
  const positions = new Map<number, number>();
  for (let k = 0; k < count; k++) positions.set(Math.floor(((k + 0.5) * writes) / count), k);
  return positions;
}

/** Creates the k-th such Observation; returns its id. */
export function seedLongDecimal(store: EmulatorStore, k: number): string {
  const { id, text } = longDecimalObservation(k);
  store.create(text);
  return id;
}

/** Puts the repository's sample anonymization config where the source reads it: the `anonymization` container. */
export async function uploadAnonymizationConfig(connectionString: string): Promise<void> {
  const config = readFileSync("infra/anonymization/DemoTruncate.json", "utf8");
  const container =
    BlobServiceClient.fromConnectionString(connectionString).getContainerClient("anonymization");
  await container.createIfNotExists();
  await container.getBlockBlobClient("DemoTruncate.json").upload(config, Buffer.byteLength(config));
}
