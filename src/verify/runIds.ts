import { randomBytes } from "node:crypto";

/** Random hex characters (crypto-strength; seeds and run ids are not secrets, but must not collide). */
export function randomHex(chars: number): string {
  return randomBytes(Math.ceil(chars / 2))
    .toString("hex")
    .slice(0, chars);
}

/**
 * A run id that sorts by start time and is safe in table row keys and blob names:
 * `v20250303T030000-1a2b3c`. It is also the orchestration's instance id.
 */
export function newRunId(nowMs: number, random: (chars: number) => string = randomHex): string {
  const stamp = new Date(nowMs).toISOString().slice(0, 19).replace(/[-:]/g, "");
  return `v${stamp}-${random(6)}`;
}

export function newSeed(random: (chars: number) => string = randomHex): string {
  return random(12);
}
