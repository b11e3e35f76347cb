import { execFile, spawn, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { startFhirEmulator } from "../../../emulator";
import { startAzurite } from "../../../src/local/azurite";
import { startStubServer } from "../../support/stubServer";

const UNUSED_STORAGE = {
  flavour: "apiForFhir",
  storageConnectionString: "UseDevelopmentStorage=true",
  storageBlobEndpoint: "http://127.0.0.1:9/devstoreaccount1",
} as const;

// The unit tier stays fast because what waits cannot start in it (test/support/unitTierGuard.ts).
describe("the unit tier", () => {
  it("refuses to start Azurite", async () => {
    await expect(async () => startAzurite()).rejects.toThrow(/Azurite in the unit tier/);
  });

  it("refuses to start a FHIR emulator", async () => {
    await expect(async () => startFhirEmulator(UNUSED_STORAGE)).rejects.toThrow(
      /FHIR emulator in the unit tier/,
    );
  });

  it("refuses to start an HTTP stub server", async () => {
    await expect(async () => startStubServer()).rejects.toThrow(/stub server in the unit tier/);
  });

  it.each([
    ["spawn", () => spawn(process.execPath, ["-e", ""])],
    ["spawnSync", () => spawnSync(process.execPath, ["-e", ""])],
    ["execFile", () => execFile(process.execPath, ["-e", ""])],
  ])("refuses to start a child process (%s)", (_name, start) => {
    expect(start).toThrow(/child process .* in the unit tier/);
  });
});
