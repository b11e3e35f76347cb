/**
 * Setup of the unit tier: what would make it slow throws instead, naming the tier a test belongs
 * in. Azurite, the FHIR emulators, HTTP stub servers (real sockets, real client time-outs) and
 * child processes are for test/integration.
 */
import type * as ChildProcess from "node:child_process";
import { vi } from "vitest";
import type * as FhirEmulatorServer from "../../emulator/server";
import type * as Azurite from "../../src/local/azurite";
import type * as StubServer from "./stubServer";

function refuse(what: string): never {
  throw new Error(
    `${what} in the unit tier: this test belongs in test/integration (mirror its src/ path)`,
  );
}

vi.mock("../../src/local/azurite", async (importOriginal) => ({
  ...(await importOriginal<typeof Azurite>()),
  startAzurite: () => refuse("Starting Azurite"),
}));

vi.mock("../../emulator/server", async (importOriginal) => ({
  ...(await importOriginal<typeof FhirEmulatorServer>()),
  startFhirEmulator: () => refuse("Starting a FHIR emulator"),
}));

vi.mock("./stubServer", async (importOriginal) => ({
  ...(await importOriginal<typeof StubServer>()),
  startStubServer: () => refuse("Starting an HTTP stub server"),
}));

vi.mock("node:child_process", async (importOriginal) => {
  const original = await importOriginal<typeof ChildProcess>();
  const spawning = ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"];
  return {
    ...original,
    ...Object.fromEntries(
      spawning.map((name) => [name, () => refuse(`Starting a child process (${name})`)]),
    ),
  };
});
