/**
 * `fhir-migrate check-config`: parses the app settings exactly as the Functions app does at start-up
 * and shows the effective values (secrets masked), so a deployment's settings can be checked
 * before anything runs. Invalid settings end in one ConfigurationError naming every bad setting.
 */
import type { Command } from "commander";
import type { EffectiveSetting } from "../../config/settings";
import { describeEffectiveSettings, parseSettings } from "../../config/settings";
import { formatTable, writeJson } from "../output";
import type { CliRuntime } from "../runtime";
import { runtimeOf, wantsJson } from "../runtime";
import type { SettingsSourceOptions } from "../settingsSource";
import { addSettingsOption, readSettingsInput } from "../settingsSource";

export interface CheckConfigReport {
  ok: true;
  origin: string;
  settings: {
    name: string;
    group: string;
    value: string;
    secret: boolean;
    source: "set" | "default";
    setAs: string | null;
  }[];
  warnings: readonly string[];
}

function renderText(
  origin: string,
  rows: readonly EffectiveSetting[],
  warnings: readonly string[],
): string {
  // One table for all groups, so the columns line up; group names go between its lines.
  const table = formatTable(
    [
      ["Setting", "Value", "Source"],
      ...rows.map((r) => [
        r.name,
        r.value,
        r.setAs === undefined ? r.source : `${r.source} (as ${r.setAs})`,
      ]),
    ],
    "  ",
  ).split("\n");
  const lines = [`Settings from ${origin}:`, "", table[0]!];
  rows.forEach((row, i) => {
    if (row.group !== rows[i - 1]?.group) lines.push("", row.group);
    lines.push(table[i + 1]!);
  });
  if (warnings.length > 0) {
    lines.push("", `Warnings (${warnings.length}):`, ...warnings.map((w) => `  - ${w}`));
  }
  const set = rows.filter((r) => r.source === "set").length;
  lines.push("", `Settings are valid (${set} set, ${rows.length - set} default).`);
  return `${lines.join("\n")}\n`;
}

/** Throws ConfigurationError (exit 2) when the settings are invalid; prints the report otherwise. */
export function checkConfig(
  options: SettingsSourceOptions,
  json: boolean,
  runtime: CliRuntime,
): void {
  const { env, origin } = readSettingsInput(options, runtime);
  // As `run` parses them: a future AZURE_StartDate is refused too.
  const { warnings } = parseSettings(env, { nowMs: Date.now() });
  const rows = describeEffectiveSettings(env);
  if (json) {
    const report: CheckConfigReport = {
      ok: true,
      origin,
      settings: rows.map((r) => ({
        name: r.name,
        group: r.group,
        value: r.text,
        secret: r.secret,
        source: r.source,
        setAs: r.setAs ?? null,
      })),
      warnings,
    };
    writeJson(runtime, report);
  } else {
    runtime.stdout(renderText(origin, rows, warnings));
  }
}

export function register(program: Command): void {
  const command = program
    .command("check-config")
    .description(
      "Validate the app settings and show the effective values (secrets masked), with warnings.",
    );
  addSettingsOption(command)
    .addHelpText(
      "after",
      [
        "",
        "Reads the environment (the app settings), or with --settings only the Values of a",
        "local.settings.json file. Every setting is listed with its value and whether it was set",
        "or is the default; docs/configuration.md describes them.",
        "",
        "Exit codes: 0 valid; 2 invalid settings (one error naming every bad setting) or an",
        "unreadable settings file.",
        "",
        "Examples:",
        "  $ fhir-migrate check-config",
        "  $ fhir-migrate check-config --settings local.settings.json",
        "  $ fhir-migrate check-config --settings local.settings.json --json",
      ].join("\n"),
    )
    .action((options: SettingsSourceOptions, cmd: Command) => {
      checkConfig(options, wantsJson(cmd), runtimeOf(cmd));
    });
}
