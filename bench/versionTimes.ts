/**
 * Version instants for datasets too large to seed into the emulators (a million resources): the
 * same law as emulator/harness/syntheticData.ts (creation age = span × u^ageExponent; 15 % of resources
 * updated one to three times, each update halfway at most towards the end on average; 3 % of
 * non-Patient resources soft-deleted later), without building resource bodies. Same law, not the
 * same draws: the figures from these versions are the schedule model's, never the engine's.
 */
import type { SourceVersion } from "./originalSchedule";
import { seededRandom, typeFor } from "../emulator/harness/syntheticData";
import type { DatasetShape } from "./model";

const YEAR_MS = 365.25 * 86_400_000;

export function generateVersionTimes(shape: DatasetShape, endMs: number): SourceVersion[] {
  const random = seededRandom(shape.seed);
  const spanMs = shape.years * YEAR_MS;
  const startMs = endMs - spanMs;
  const exponent = shape.ageExponent ?? 3;
  const versions: SourceVersion[] = [];
  for (let n = 0; n < shape.resources; n++) {
    const at = Math.max(startMs, Math.floor(endMs - spanMs * random() ** exponent - 1));
    const type = n === 0 ? "Patient" : typeFor(random);
    versions.push({ atMs: at, type });
    let last = at;
    if (random() < 0.15) {
      const updates = 1 + Math.floor(random() * 3);
      for (let u = 0; u < updates; u++) {
        last = last + 1 + Math.floor(random() * (endMs - last - 1) * 0.5);
        versions.push({ atMs: last, type });
      }
    }
    if (type !== "Patient" && random() < 0.03) {
      versions.push({ atMs: last + 1 + Math.floor(random() * (endMs - last - 1) * 0.5), type });
    }
  }
  return versions.sort((a, b) => a.atMs - b.atMs);
}
