/** `fhir-migrate import-payload`: its options and help; the work is in ../actions/importPayload.ts. */
import type { Command } from "commander";
import type { ImportPayloadCommandOptions } from "../actions/importPayload";
import { MAX_FILES_PER_IMPORT } from "../../core/importPayload";
import { runtimeOf, wantsJson } from "../runtime";

export function register(program: Command): void {
  program
    .command("import-payload")
    .description(
      "Write the $import request bodies for a completed $export (SearchParameter files excluded); with --post, also submit them.",
    )
    .option(
      "--export-status-url <url>",
      "the export's Content-Location (https://<fhir>/_operations/export/<id>); read with your Azure sign-in",
    )
    .option(
      "--manifest <file>",
      "a saved export status body (JSON with output[]) instead of the URL",
    )
    .option(
      "--out <dir>",
      "folder for the bodies: import_payload_0001.json, import_payload_0002.json, ... (zero-padded so they sort; must hold no payload files yet)",
    )
    .option(
      "--file-count <n>",
      `most input files per body, 1-${MAX_FILES_PER_IMPORT}`,
      String(MAX_FILES_PER_IMPORT),
    )
    .option(
      "--post",
      "then submit the bodies to --destination (at most five at once) and wait for them",
    )
    .option("--destination <url>", "the destination FHIR service's base URL, for --post")
    .option("--poll-seconds <n>", "seconds between import status polls, for --post", "30")
    .option(
      "--attempt-tag <tag>",
      "adds inputSource urn:fhir-migrate:<tag>, so re-posting the same files starts a new import job instead of returning the old one",
    )
    .addHelpText(
      "after",
      [
        "",
        "Exit codes: 0 written; 1 failed (server, network, file system, export still running);",
        "2 bad usage or bad manifest (nothing is written).",
        "",
        "Examples:",
        "  $ fhir-migrate import-payload --export-status-url https://myfhir.azurehealthcareapis.com/_operations/export/4721 --out ./payloads",
        "  $ fhir-migrate import-payload --manifest export-status.json --out ./payloads --file-count 5000",
        "  $ fhir-migrate import-payload --export-status-url https://src.azurehealthcareapis.com/_operations/export/4721 \\",
        "      --out ./payloads --post --destination https://ws-fhirsvc.fhir.azurehealthcareapis.com",
      ].join("\n"),
    )
    .action(async (options: ImportPayloadCommandOptions, command: Command) => {
      const { importPayloadCommand } = await import("../actions/importPayload.js");
      await importPayloadCommand(options, {
        json: wantsJson(command),
        runtime: runtimeOf(command),
      });
    });
}
