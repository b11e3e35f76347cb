import type { Command } from "commander";
import type { Environment, Settings } from "../config/settings";
import type { CredentialTarget } from "../engine/checkAccess";
import { stripControlCharacters } from "../core/terminalText";
import { redactText } from "../fhir/redact";

/**
 * What a command needs from the process, passed in so tests can run the CLI in-process.
 * The CLI entry is the one place outside src/config that reads process.env; it hands the
 * environment to src/config, which parses it.
 */
export interface CliRuntime {
  env: Environment;
  /** Relative paths on the command line are resolved against this folder. */
  cwd: string;
  stdout(text: string): void;
  stderr(text: string): void;
  /**
   * The Microsoft Entra ID credentials the pre-check asks for a token (src/cli/preflight.ts);
   * default: those the settings use. Tests give credentials that fail the way a machine that is
   * not signed in fails.
   */
  credentialTargets?: (settings: Settings) => CredentialTarget[];
}

export function processRuntime(): CliRuntime {
  return {
    env: process.env,
    cwd: process.cwd(),
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
  };
}

/**
 * The runtime with every line it prints made safe for a terminal and a log: control sequences from
 * servers removed (src/core/terminalText.ts) and credentials redacted (src/fhir/redact.ts). Every
 * command prints through this (createProgram attaches it), so none has to remember to.
 */
export function terminalSafe(runtime: CliRuntime): CliRuntime {
  const safe = (text: string) => stripControlCharacters(redactText(text));
  return {
    ...runtime,
    stdout: (text) => runtime.stdout(safe(text)),
    stderr: (text) => runtime.stderr(safe(text)),
  };
}

const runtimes = new WeakMap<Command, CliRuntime>();

/** Makes `runtime` available to every subcommand of `program` through runtimeOf. */
export function attachRuntime(program: Command, runtime: CliRuntime): void {
  runtimes.set(program, runtime);
}

/**
 * The runtime of the program a command belongs to. Commands call this inside their action
 * (commander passes the command as the action's last argument), so `register(program)` needs no
 * extra parameter.
 */
export function runtimeOf(command: Command): CliRuntime {
  for (let c: Command | null = command; c !== null; c = c.parent) {
    const runtime = runtimes.get(c);
    if (runtime !== undefined) return runtime;
  }
  return processRuntime();
}

/** True when the global `--json` option was given (anywhere on the command line). */
export function wantsJson(command: Command): boolean {
  return command.optsWithGlobals<{ json?: boolean }>().json === true;
}

/** True when the global `--debug` option was given. */
export function wantsDebug(command: Command): boolean {
  return command.optsWithGlobals<{ debug?: boolean }>().debug === true;
}

/** What a command's action gets from its command line: the global flags and the runtime. */
export interface ActionContext {
  json: boolean;
  debug: boolean;
  runtime: CliRuntime;
}

/** The action context of the command running (the global --json and --debug, its runtime). */
export function actionContext(command: Command): ActionContext {
  return { json: wantsJson(command), debug: wantsDebug(command), runtime: runtimeOf(command) };
}
