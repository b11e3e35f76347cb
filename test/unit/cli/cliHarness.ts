import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import type { CliRuntime } from "../../../src/cli/runtime";
import { main } from "../../../src/cli/main";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with the given environment and working folder. */
export async function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const runtime: CliRuntime = {
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
  };
  const code = await main(args, runtime);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

export const VALID_VALUES = {
  FUNCTIONS_WORKER_RUNTIME: "node",
  AzureWebJobsStorage: "UseDevelopmentStorage=true",
  AZURE_SourceUri: "https://source.azurehealthcareapis.com",
  AZURE_DestinationUri: "https://ws-dest.fhir.azurehealthcareapis.com",
} as const;

export function localSettings(values: Record<string, unknown>): string {
  return JSON.stringify({ IsEncrypted: false, Values: values }, null, 2);
}

/** A setting's value that output must never show. */
export const SECRET = "s3cr3t-Value-That-Must-Not-Print";

/** A temporary folder for settings files: made before the file's tests, removed after them. */
export function settingsFolder(): {
  path: () => string;
  file: (name: string, values: Record<string, unknown>) => Promise<string>;
} {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "check-config-"));
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  const path = (): string => {
    if (dir === undefined) throw new Error("settingsFolder is used before its tests start");
    return dir;
  };
  return {
    path,
    file: async (name, values) => {
      const file = join(path(), name);
      await writeFile(file, localSettings(values));
      return file;
    },
  };
}
