import { CommanderError } from "commander";
import { isConfigurationError } from "../errors";

/** The CLI's exit codes; every command uses these and documents them in its help. */
export const EXIT_OK = 0;
/** The operation ran and failed: a check found problems, a server refused, a job failed. */
export const EXIT_FAILED = 1;
/** Nothing was attempted: bad settings, a bad or missing file, or a bad command line. */
export const EXIT_USAGE = 2;

export type ExitCode = typeof EXIT_OK | typeof EXIT_FAILED | typeof EXIT_USAGE;

/** The command line or a file named on it is wrong; the message says what is accepted. Exit 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * The operation ran and its outcome is a failure (e.g. verification found differences). The
 * command has already printed its report; the message is the one-line summary. Exit 1.
 */
export class OperationFailedError extends Error {
  override readonly name = "OperationFailedError";
}

export function isUsageError(error: unknown): error is UsageError {
  return error instanceof Error && error.name === "UsageError";
}

export function isOperationFailedError(error: unknown): error is OperationFailedError {
  return error instanceof Error && error.name === "OperationFailedError";
}

export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  if (isConfigurationError(error) || isUsageError(error)) return EXIT_USAGE;
  return EXIT_FAILED;
}
