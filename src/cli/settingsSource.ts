import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Environment, Settings } from "../config/settings";
import { parseSettings } from "../config/settings";
import type { SettingsSourceOptions } from "./commandOptions";
import { UsageError } from "./errors";
import type { CliRuntime } from "./runtime";

export interface SettingsInput {
  env: Environment;
  /** Where the values came from, for messages: "the environment" or the file's path. */
  origin: string;
}

const FORMAT_HINT =
  'the local.settings.json format: { "IsEncrypted": false, "Values": { "AZURE_SourceUri": "https://…" } }';

/** Reads the environment, or only the given file's Values when --settings is used. */
export function readSettingsInput(
  options: SettingsSourceOptions,
  runtime: CliRuntime,
): SettingsInput {
  if (options.settings === undefined) return { env: runtime.env, origin: "the environment" };
  const path = resolve(runtime.cwd, options.settings);
  return { env: readLocalSettingsFile(path), origin: path };
}

/** readSettingsInput, then parseSettings: throws ConfigurationError listing every bad setting. */
export function loadSettings(
  options: SettingsSourceOptions,
  runtime: CliRuntime,
): { settings: Settings } & SettingsInput {
  const input = readSettingsInput(options, runtime);
  return { ...input, settings: parseSettings(input.env) };
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (thrown) {
    const code = (thrown as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a folder"
          : code === "EACCES" || code === "EPERM"
            ? "permission denied"
            : (code ?? "unreadable");
    throw new UsageError(`Cannot read settings file ${path}: ${reason}`);
  }
}

/**
 * JSON.parse's message quotes the text around the error, which may be a secret from the file;
 * only the position is kept.
 */
function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (thrown) {
    const position = /at position (\d+)/.exec(String((thrown as Error).message))?.[1];
    let where = "";
    if (position !== undefined) {
      const before = text.slice(0, Number(position)).split("\n");
      where = ` (line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1})`;
    }
    throw new UsageError(
      `Settings file ${path} is not valid JSON${where}; expected ${FORMAT_HINT}`,
    );
  }
}

/**
 * The `Values` of a local.settings.json file (the Functions Core Tools format), as an
 * environment. Every problem is a UsageError naming the path; values are never quoted.
 */
export function readLocalSettingsFile(path: string): Environment {
  // Editors on Windows may save a byte-order mark, which JSON.parse rejects.
  const document = parseJson(readText(path).replace(/^\uFEFF/, ""), path);
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new UsageError(`Settings file ${path} is not a JSON object; expected ${FORMAT_HINT}`);
  }
  const { IsEncrypted: encrypted, Values: values } = document as Record<string, unknown>;
  if (encrypted === true) {
    throw new UsageError(
      `Settings file ${path} is encrypted ("IsEncrypted": true); decrypt it first (func settings decrypt)`,
    );
  }
  if (typeof values !== "object" || values === null || Array.isArray(values)) {
    throw new UsageError(`Settings file ${path} has no "Values" object; expected ${FORMAT_HINT}`);
  }
  const entries = Object.entries(values as Record<string, unknown>);
  // The Functions host accepts only strings here; a bare 5 or true would fail there, so it fails here.
  const notText = entries.filter(([, v]) => typeof v !== "string").map(([k]) => k);
  if (notText.length > 0) {
    throw new UsageError(
      `Settings file ${path}: every value in "Values" must be a string; not a string: ${notText.join(", ")} (write "5" and "true", with quotes)`,
    );
  }
  return Object.freeze(Object.fromEntries(entries) as Record<string, string>);
}
