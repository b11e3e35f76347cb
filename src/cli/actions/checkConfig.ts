/**
 * `fhir-migrate check-config`: parses the app settings exactly as the Functions app does at start-up
 * and shows the effective values (secrets masked), so a deployment's settings can be checked
 * before anything runs. Invalid settings end in one ConfigurationError naming every bad setting;
 * the warnings about the others are shown beside it.
 */
import type { EffectiveSetting, Settings } from "../../config/settings";
import { describeEffectiveSettings, parseSettings } from "../../config/settings";
import { describePauseWindow, isPaused, nextPauseStart, pauseEndsAt } from "../../core/pauseWindow";
import { isConfigurationError } from "../../errors";
import type { SettingsSourceOptions } from "../commandOptions";
import { writeJson } from "../output";
import { formatTable } from "../../status/format";
import type { CliRuntime } from "../runtime";
import { readSettingsInput } from "../settingsSource";

export interface CheckConfigReport {
  ok: true;
  origin: string;
  settings: {
    name: string;
    group: string;
    value: string;
    secret: boolean;
    /** "set": given with a value other than the default; "default": absent or given as the default. */
    source: "set" | "default";
    /** Whether the settings give a value at all (the sample and the template write every default). */
    given: boolean;
    setAs: string | null;
  }[];
  /** The business-hours pause in words against the time of the check; null when it is off. */
  pause: string | null;
  warnings: readonly string[];
}

const hh = (hour: number) => `${String(hour).padStart(2, "0")}:00`;

/**
 * The pause window in words, against `now`: when new exports stop and start again, and whether they
 * are stopped now. A start hour after the end hour pauses overnight: said, with how to pause by day.
 */
export function describePause(pause: Settings["pause"], now: Date): string | null {
  if (!pause.enabled) return null;
  const { startHour: start, endHour: end } = pause;
  const clock = now.toISOString().slice(11, 16);
  if (start === end)
    return `no pause: ${describePauseWindow(start, end)} (AZURE_StartTime equals AZURE_EndTime).`;
  const window =
    start < end
      ? `no new export from ${hh(start)} to ${hh(end)} UTC every day`
      : `no new export from ${hh(start)} UTC to ${hh(end)} UTC the next morning: overnight, across midnight, because AZURE_StartTime (${start}) is after AZURE_EndTime (${end}); for a pause during the working day, set AZURE_StartTime=${end} and AZURE_EndTime=${start}`;
  const at = (d: Date | undefined) =>
    d === undefined ? "-" : `${d.toISOString().slice(11, 16)} UTC`;
  const state = isPaused(now, start, end)
    ? `Paused now (${clock} UTC) until ${at(pauseEndsAt(now, start, end))}`
    : `Not paused now (${clock} UTC); the next pause starts at ${at(nextPauseStart(now, start, end))}`;
  return `${window}. ${state}.`;
}

function sourceText(r: EffectiveSetting): string {
  const source = r.source === "set" ? "set" : r.given ? "default (written out)" : "default";
  return r.setAs === undefined ? source : `${source} (as ${r.setAs})`;
}

function renderText(
  origin: string,
  rows: readonly EffectiveSetting[],
  pause: string | null,
  warnings: readonly string[],
): string {
  // One table for all groups, so the columns line up; group names go between its lines.
  const table = formatTable(
    [["Setting", "Value", "Source"], ...rows.map((r) => [r.name, r.value, sourceText(r)])],
    "  ",
  ).split("\n");
  const lines = [`Settings from ${origin}:`, "", table[0]!];
  rows.forEach((row, i) => {
    if (row.group !== rows[i - 1]?.group) lines.push("", row.group);
    lines.push(table[i + 1]!);
  });
  if (pause !== null) lines.push("", `Pause (AZURE_PauseDm): ${pause}`);
  lines.push(...warningLines(warnings));
  const set = rows.filter((r) => r.source === "set").length;
  const written = rows.filter((r) => r.source === "default" && r.given).length;
  lines.push(
    "",
    `Settings are valid: ${set} set to other than their default, ${rows.length - set} at their default (${written} of them written out, as the sample and the deployment template write every default).`,
  );
  return `${lines.join("\n")}\n`;
}

function warningLines(warnings: readonly string[]): string[] {
  return warnings.length === 0
    ? []
    : ["", `Warnings (${warnings.length}):`, ...warnings.map((w) => `  - ${w}`)];
}

/** Throws ConfigurationError (exit 2) when the settings are invalid; prints the report otherwise. */
export function checkConfig(
  options: SettingsSourceOptions,
  json: boolean,
  runtime: CliRuntime,
  now: Date = new Date(),
): void {
  const { env, origin } = readSettingsInput(options, runtime);
  let settings: Settings;
  try {
    // As `run` parses them: a future AZURE_StartDate is refused too.
    settings = parseSettings(env, { nowMs: now.getTime() });
  } catch (error) {
    // The warnings about the valid settings are as useful beside the errors (with --json the error
    // document carries them: src/cli/main.ts).
    if (isConfigurationError(error) && error.warnings.length > 0 && !json)
      runtime.stderr(`${warningLines(error.warnings).slice(1).join("\n")}\n\n`);
    throw error;
  }
  const rows = describeEffectiveSettings(env);
  const pause = describePause(settings.pause, now);
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
        given: r.given,
        setAs: r.setAs ?? null,
      })),
      pause,
      warnings: settings.warnings,
    };
    writeJson(runtime, report);
  } else {
    runtime.stdout(renderText(origin, rows, pause, settings.warnings));
  }
}
