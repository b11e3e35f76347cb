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

/** Whether something accepts connections at the URL's host and port. */
async function answers(url: string): Promise<boolean> {
  return fetch(url).then(
    () => true,
    () => false,
  );
}

describe("standalone emulator started the way npm run starts it (sh -c)", () => {
  it("stops itself and its Azurite when the shell that started it is killed", async () => {
    // npm runs a script as `sh -c "<script>"`; `kill <npm's pid>` ends npm and that shell, and the
    // shell does not pass the signal on.
    const shell = spawn(
      "sh",
      ["-c", `"${process.execPath}" --import tsx "${START}" --profile cosmos --port 0`],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    const started = await new Promise<{ baseUrl: string; blob: string }>((resolve, reject) => {
      let stdout = "";
      let stderr = "";
      const done = () => {
        const baseUrl = stdout.split("\n")[0] ?? "";
        const blob = /blob storage\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr)?.[1];
        if (stdout.includes("\n") && blob !== undefined) resolve({ baseUrl, blob });
      };
      shell.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        done();
      });
      shell.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        done();
      });
      shell.once("exit", (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
    });
    expect(await answers(`${started.baseUrl}/metadata`)).toBe(true);
    expect(await answers(started.blob)).toBe(true);
    shell.kill("SIGKILL");
    await expect
      .poll(() => answers(`${started.baseUrl}/metadata`), { timeout: 20_000 })
      .toBe(false);
    await expect.poll(() => answers(started.blob), { timeout: 20_000 }).toBe(false);
  });
});
