/**
 * The `fhir-migrate` command line. Each subcommand's options and help live in its own module under
 * ./commands, which exports `register(program)` and must add it with `program.command(...)` so it
 * inherits the output and exit handling configured here. Its work lives in ./actions and is loaded
 * with import() when the command runs: `--help` loads commander and the definitions only, no Azure
 * SDK (test/unit/cli/helpSpeed.test.ts). Inside an action, `runtimeOf(command)` gives the
 * environment and output streams, and `wantsJson(command)` the global --json flag.
 *
 * Exit codes (./errors): 0 success; 1 the operation failed (throw OperationFailedError, or any
 * other error); 2 bad configuration or usage (ConfigurationError, UsageError, commander's own
 * parse errors).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Command, CommanderError } from "commander";
import { isConfigurationError, isFhirOperationError, isTransientError } from "../errors";
import * as acceptSettings from "./commands/acceptSettings";
import * as checkConfig from "./commands/checkConfig";
import * as cleanup from "./commands/cleanup";
import * as copyStaging from "./commands/copyStaging";
import * as cutover from "./commands/cutover";
import * as importPayload from "./commands/importPayload";
import * as liftAndShift from "./commands/liftAndShift";
import * as resetRetries from "./commands/resetRetries";
import * as run from "./commands/run";
import * as status from "./commands/status";
import * as verify from "./commands/verify";
import type { ExitCode } from "./errors";
import { EXIT_OK, exitCodeFor, isOperationFailedError, isUsageError } from "./errors";
import { writeJson } from "./output";
import type { CliRuntime } from "./runtime";
import { withoutStack } from "../core/errorText";
import { isOrchestrationFailedError } from "../local/orchestrationFailure";
import { attachRuntime, processRuntime, terminalSafe } from "./runtime";

/** A module under ./commands. */
export interface CommandModule {
  register(program: Command): void;
}

/** Every subcommand, in the order `--help` lists them. Add new commands here. */
export const COMMANDS: readonly CommandModule[] = [
  checkConfig,
  run,
  liftAndShift,
  importPayload,
  copyStaging,
  verify,
  cutover,
  status,
  resetRetries,
  acceptSettings,
  cleanup,
];

/** The package version, found from here in both the sources (src/cli) and the build (dist/src/cli). */
function packageVersion(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file))
      return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  }
  return "unknown";
}

export function createProgram(
  given: CliRuntime,
  commands: readonly CommandModule[] = COMMANDS,
): Command {
  const runtime = terminalSafe(given);
  const program = new Command("fhir-migrate")
    .description(
      "Migrate FHIR data from Azure API for FHIR to the Azure Health Data Services FHIR service.",
    )
    .option("--json", "print one machine-readable JSON document on stdout instead of text")
    .option("--debug", "print the stack trace of an unexpected error (for a bug report)")
    .version(packageVersion(), "-V, --version", "print the version")
    .configureOutput({ writeOut: runtime.stdout, writeErr: runtime.stderr })
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      [
        "",
        "Settings come from the environment (the Function App's app settings) or, with --settings,",
        "from the Values of a local.settings.json file; see docs/configuration.md.",
        "",
        "Exit codes:",
        "  0  success",
        "  1  the operation failed (for example, a check found problems)",
        "  2  bad configuration or bad usage; nothing was done",
        "",
        "Examples:",
        "  $ fhir-migrate check-config --settings local.settings.json",
        "  $ fhir-migrate help check-config",
      ].join("\n"),
    );
  attachRuntime(program, runtime);
  for (const command of commands) command.register(program);
  return program;
}

function reportError(
  error: unknown,
  options: { json?: boolean; debug?: boolean },
  runtime: CliRuntime,
): void {
  const json = options.json === true;
  // Commander has printed its own message (or the help) already.
  if (error instanceof CommanderError) return;
  const e = error instanceof Error ? error : new Error(String(error));
  const known = isConfigurationError(e) || isUsageError(e) || isOperationFailedError(e);
  if (json) {
    // Commands that fail an operation print their own JSON report first (ok: false); a second
    // document would make stdout unparseable.
    if (isOperationFailedError(e)) return;
    writeJson(runtime, {
      ok: false,
      exitCode: exitCodeFor(e),
      error: {
        name: e.name,
        message: withoutStack(e.message),
        ...(isConfigurationError(e) ? { issues: e.issues, warnings: e.warnings } : {}),
      },
    });
    return;
  }
  // A stack helps only with a bug, and only with --debug; the message says what went wrong.
  const unexpected =
    !known && !isTransientError(e) && !isFhirOperationError(e) && !isOrchestrationFailedError(e);
  if (!unexpected) runtime.stderr(`${withoutStack(e.message)}\n`);
  else if (options.debug === true) runtime.stderr(`${e.stack ?? `${e.name}: ${e.message}`}\n`);
  else
    runtime.stderr(
      `${e.name}: ${withoutStack(e.message)}\n(an unexpected error; run again with --debug for the stack trace)\n`,
    );
  if (isConfigurationError(e)) {
    runtime.stderr("docs/configuration.md describes every setting and what it accepts.\n");
  }
}

/** Runs the CLI with `args` (without node and the script path) and returns the exit code. */
export async function main(
  args: readonly string[],
  runtime: CliRuntime = processRuntime(),
  commands: readonly CommandModule[] = COMMANDS,
): Promise<ExitCode> {
  const program = createProgram(runtime, commands);
  try {
    await program.parseAsync([...args], { from: "user" });
    return EXIT_OK;
  } catch (error) {
    reportError(error, program.opts<{ json?: boolean; debug?: boolean }>(), terminalSafe(runtime));
    return exitCodeFor(error);
  }
}
