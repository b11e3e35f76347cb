import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../../src/cli/errors";
import {
  loadSettings,
  readLocalSettingsFile,
  readSettingsInput,
} from "../../../src/cli/settingsSource";
import { ConfigurationError } from "../../../src/errors";
import { VALID_VALUES, localSettings } from "./cliHarness";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "settings-source-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const runtime = (env: Record<string, string> = {}) => ({
  env,
  cwd: dir,
  stdout: () => undefined,
  stderr: () => undefined,
});

describe("readLocalSettingsFile", () => {
  it("returns the Values object", async () => {
    const path = await file("ok.json", localSettings({ AZURE_PayloadCount: "3" }));
    expect(readLocalSettingsFile(path)).toEqual({ AZURE_PayloadCount: "3" });
  });

  it("accepts a file saved with a byte-order mark", async () => {
    const path = await file("bom.json", `\uFEFF${localSettings({ A: "1" })}`);
    expect(readLocalSettingsFile(path)).toEqual({ A: "1" });
  });

  it("rejects a missing file, naming its path", async () => {
    const path = join(dir, "absent.json");
    expect(() => readLocalSettingsFile(path)).toThrow(
      `Cannot read settings file ${path}: no such file`,
    );
  });

  it("rejects a folder", () => {
    expect(() => readLocalSettingsFile(dir)).toThrow(
      `Cannot read settings file ${dir}: it is a folder`,
    );
  });

  it("rejects a file that is not JSON, as a usage error", async () => {
    const path = await file("broken.json", '{ "Values": { "A": "1", } }');
    expect(() => readLocalSettingsFile(path)).toThrow(UsageError);
  });

  it("gives the line and column of a JSON error", async () => {
    const path = await file("broken-line.json", '{\n  "Values": {\n    "A": "1",\n  }\n}');
    expect(() => readLocalSettingsFile(path)).toThrow(
      `Settings file ${path} is not valid JSON (line 4, column 3)`,
    );
  });

  it("does not quote the file's text when the JSON is invalid (it may hold secrets)", async () => {
    const path = await file(
      "secret.json",
      '{ "Values": { "AZURE_ClientSecret": hunter2-secret } }',
    );
    let message = "";
    try {
      readLocalSettingsFile(path);
    } catch (error) {
      message = (error as Error).message;
    }
    expect({ failed: message !== "", leaked: message.includes("hunter2") }).toEqual({
      failed: true,
      leaked: false,
    });
  });

  it("rejects a file without a Values object", async () => {
    const path = await file("no-values.json", '{ "IsEncrypted": false }');
    expect(() => readLocalSettingsFile(path)).toThrow(
      `Settings file ${path} has no "Values" object`,
    );
  });

  it("rejects a JSON array", async () => {
    const path = await file("array.json", "[]");
    expect(() => readLocalSettingsFile(path)).toThrow(`Settings file ${path} is not a JSON object`);
  });

  it("rejects an encrypted file", async () => {
    const path = await file("encrypted.json", '{ "IsEncrypted": true, "Values": {} }');
    expect(() => readLocalSettingsFile(path)).toThrow(/is encrypted/);
  });

  it("names every value that is not a string, without showing the values", async () => {
    const path = await file(
      "types.json",
      localSettings({ AZURE_PayloadCount: 5, AZURE_IsParallel: true, A: "x" }),
    );
    expect(() => readLocalSettingsFile(path)).toThrow(
      `Settings file ${path}: every value in "Values" must be a string; not a string: AZURE_PayloadCount, AZURE_IsParallel`,
    );
  });
});

describe("readSettingsInput", () => {
  it("uses the runtime environment without --settings", () => {
    expect(readSettingsInput({}, runtime({ A: "1" }))).toEqual({
      env: { A: "1" },
      origin: "the environment",
    });
  });

  it("resolves --settings against the working folder", async () => {
    await file("relative.json", localSettings({ B: "2" }));
    expect(readSettingsInput({ settings: "relative.json" }, runtime())).toEqual({
      env: { B: "2" },
      origin: join(dir, "relative.json"),
    });
  });
});

describe("loadSettings", () => {
  it("parses the settings it read", () => {
    expect(loadSettings({}, runtime({ ...VALID_VALUES })).settings.import.payloadCount).toBe(5);
  });

  it("throws the ConfigurationError of invalid settings", () => {
    expect(() => loadSettings({}, runtime({ AZURE_PayloadCount: "x" }))).toThrow(
      ConfigurationError,
    );
  });
});
