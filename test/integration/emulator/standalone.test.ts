import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";

const ROOT = join(__dirname, "..", "..", "..");
const START = join(ROOT, "emulator", "start.ts");

describe("standalone emulator (npm run emulator)", () => {
  it("prints its base URL first, answers /metadata with its profile, and stops on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        START,
        "--profile",
        "cosmos",
        "--port",
        "0",
        "--storage",
        inject("azuriteConnectionString"),
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code) => resolve(code)),
    );
    try {
      const baseUrl = await new Promise<string>((resolve, reject) => {
        let stdout = "";
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
          const line = stdout.split("\n");
          if (line.length > 1) resolve(line[0] ?? "");
        });
        void exited.then((code) => reject(new Error(`exited with ${code}: ${stderr}`)));
      });
      expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${baseUrl}/metadata`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        resourceType: "CapabilityStatement",
        implementation: { description: "FHIR server emulator (apiForFhir)", url: baseUrl },
      });
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
