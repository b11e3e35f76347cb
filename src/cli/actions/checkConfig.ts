/**
 * `fhir-migrate check-config`: parses the app settings exactly as the Functions app does at start-up
 * and shows the effective values (secrets masked), so a deployment's settings can be checked
 * before anything runs. Invalid settings end in one ConfigurationError naming every bad setting.
 */
import type { EffectiveSetting } from "../../config/settings";
import { describeEffectiveSettings, parseSettings } from "../../config/settings";
import { formatTable, writeJson } from "../output";
import type { CliRuntime } from "../runtime";
import type { SettingsSourceOptions } from "../commandOptions";
import { readSettingsInput } from "../settingsSource";

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
  const { warnings } = parseSettings(env);
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
