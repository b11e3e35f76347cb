/** `fhir-migrate copy-staging`: its options and help; the work is in ../actions/copyStaging.ts. */
import type { Command } from "commander";
import type { CopyStagingOptions } from "../actions/copyStaging";
import { runtimeOf, wantsJson } from "../runtime";

export function register(program: Command): void {
  program
    .command("copy-staging")
    .description(
      "Copy export files server-side into the import account and write $import payloads with the copied urls.",
    )
    .option("--export-status-url <url>", "the $export Content-Location (status) URL")
    .option("--manifest <file>", "a saved export status (manifest) JSON file")
    .option(
      "--to <url>",
      "blob endpoint of the import account, e.g. https://importacct.blob.core.windows.net",
    )
    .option(
      "--to-connection-string <cs>",
      "connection string of the import account (instead of --to)",
    )
    .option(
      "--from <url>",
      "blob endpoint of the export account; files on any other account are refused (default: the first file's account)",
    )
    .option(
      "--from-connection-string <cs>",
      "connection string of the export account, when the identity cannot read it",
    )
    .option(
      "--container <name>",
      "container in the import account (default: the export's container name)",
    )
    .option("--out <dir>", "folder for manifest.copied.json and payloads/")
    .option("--file-count <n>", "most input files per $import body (1-10000)", "10000")
    .option("--concurrency <n>", "copies in flight at once", "8")
    .addHelpText(
      "after",
      [
        "",
        "The data is copied by the storage service, not through this machine. SearchParameter files are not",
        "copied ($import rejects them; copy custom SearchParameters with a FHIR batch instead).",
        "Exit codes: 0 copied; 1 a copy or the status request failed; 2 bad usage or manifest.",
        "",
        "Examples:",
        "  $ fhir-migrate copy-staging --export-status-url https://src.azurehealthcareapis.com/_operations/export/4721 \\",
        "      --to https://importacct.blob.core.windows.net --out ./staging-copy",
        "  $ fhir-migrate copy-staging --manifest status.json --to https://importacct.blob.core.windows.net --container migration --out ./copy",
      ].join("\n"),
    )
    .action(async (options: CopyStagingOptions, cmd: Command) => {
      const runtime = runtimeOf(cmd);
      const { copyStaging } = await import("../actions/copyStaging.js");
      const { createExportStatusReader } = await import("../actions/importPayload.js");
      await copyStaging(options, {
        cwd: runtime.cwd,
        stdout: runtime.stdout,
        stderr: runtime.stderr,
        json: wantsJson(cmd),
        getExportStatus: createExportStatusReader(),
      });
    });
}
