/**
 * npm run emulator -- --profile cosmos|sql [--port 0] [--storage <connection string>]
 *
 * Prints the emulator's base URL alone on the first line of stdout (for scripts), what it runs on
 * stderr, and runs until SIGINT, SIGTERM or its parent ends (emulator/lifetime.ts). Options:
 * emulator/standalone.ts (USAGE).
 */
import { stopWithParent } from "./lifetime";
import { PROFILES, USAGE, UsageError, parseStandaloneArgs, startStandalone } from "./standalone";

async function main(): Promise<void> {
  const options = parseStandaloneArgs(process.argv.slice(2));
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const running = await startStandalone(options);
  process.stdout.write(`${running.emulator.baseUrl}\n`);
  process.stderr.write(
    `FHIR server emulator, profile ${options.profile}: ${PROFILES[options.profile].server}\n` +
      `  base URL      ${running.emulator.baseUrl}\n` +
      `  blob storage  ${running.blobEndpoint}` +
      `${running.azurite !== undefined ? " (Azurite in memory, stopped with the emulator)" : ""}\n` +
      `Ctrl+C stops it.\n`,
  );
  stopWithParent(() => running.stop());
}

main().catch((error: unknown) => {
  process.stderr.write(
    error instanceof UsageError
      ? `${error.message}\n`
      : `The emulator did not start: ${String(error)}\n`,
  );
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
