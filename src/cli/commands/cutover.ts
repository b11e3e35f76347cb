/** `fhir-migrate cutover`: its options and help; the work is in ../actions/cutover.ts. */
import type { Command } from "commander";
import type { CutoverOptions } from "../actions/cutover";
import { addSettingsOption, addStateDirOption } from "../commandOptions";
import { actionContext } from "../runtime";

export function register(program: Command): void {
  const command = program
    .command("cutover")
    .description(
      "Copy the last changes up to the instant writes stopped, prove the copy, and answer GO or NO-GO.",
    )
    .option(
      "--freeze <instant>",
      "when writes to the source stopped (ISO 8601 with a zone; default now)",
    )
    .option(
      "--cancel",
      "cancel the cutover in progress; the migration goes back to its steady mode",
    );
  addStateDirOption(command);
  addSettingsOption(command)
    .addHelpText(
      "after",
      [
        "",
        "Stop every writer to the source first. Calling it again with the same freeze is the same",
        "operation: a NO-GO is proved again; a GO is answered as stored once the versions before the",
        "freeze counted again on both servers match its counts (otherwise it is proved again). Versions",
        "stamped after the freeze are reported: they mean writes did not stop.",
        "Exit codes: 0 GO (or cancelled); 1 NO-GO, halted or refused; 2 bad settings or usage.",
        "",
        "Examples:",
        "  $ fhir-migrate cutover --settings local.settings.json",
        "  $ fhir-migrate cutover --freeze 2026-12-03T10:30:00Z --settings local.settings.json --json",
      ].join("\n"),
    )
    .action(async (options: CutoverOptions, cmd: Command) => {
      const { cutover } = await import("../actions/cutover.js");
      await cutover(options, actionContext(cmd));
    });
}
