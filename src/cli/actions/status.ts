/**
 * `fhir-migrate status`: the migration's progress from the state tables: watermark, jobs in flight,
 * failures and the estimate as text; `--json` the status report; `--serve` the status page on
 * 127.0.0.1 until Ctrl+C. It only reads the tables (it never creates or changes a row).
 */
import type { Settings } from "../../config/settings";
import { createEngineDeps } from "../../engine/createDeps";
import { ensureError } from "../../errors";
import { loadStatusReport } from "../../status/loadReport";
import { reportText } from "../../status/redactText";
import { renderStatusText } from "../../status/renderText";
import type { StatusServer } from "../../status/server";
import { serveStatus } from "../../status/server";
import type { StatusDeps } from "../../status/statusState";
import { MigrationStateMissingError } from "../../status/statusState";
import { NullTelemetry } from "../../telemetry/createTelemetry";
import { OperationFailedError, UsageError } from "../errors";
import { writeJson } from "../output";
import type { SettingsSourceOptions, StateDirOptions } from "../commandOptions";
import { withMigrationState } from "../migrationState";
import type { CliRuntime } from "../runtime";

export interface StatusCliOptions extends SettingsSourceOptions, StateDirOptions {
  serve?: boolean;
  port?: string;
}

export interface StatusIo {
  runtime: CliRuntime;
  json: boolean;
  /** --debug: what each credential answered when one gives no token. */
  debug?: boolean;
  /** The state store and settings to read (default: built from the settings). */
  createDeps?: (settings: Settings) => StatusDeps;
  /** Resolves when --serve should stop (default: Ctrl+C or SIGTERM). */
  untilStopped?: () => Promise<void>;
  /** Told the server's address once it listens (tests use it to make requests). */
  onListening?: (server: StatusServer) => void;
}

function defaultDeps(settings: Settings): StatusDeps {
  return createEngineDeps(settings, { telemetry: new NullTelemetry() });
}

function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

/** --port: a whole number from 0 (any free port) to 65535; only with --serve. */
export function parsePort(options: StatusCliOptions): number {
  if (options.port === undefined) return 0;
  if (options.serve !== true)
    throw new UsageError("--port: only used with --serve; add --serve to serve the status page");
  const text = options.port.trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535)
    throw new UsageError(
      `--port: received ${JSON.stringify(options.port)}; expected a whole number from 0 (any free port) to 65535`,
    );
  return n;
}

async function readReport(deps: StatusDeps) {
  try {
    return await loadStatusReport(deps);
  } catch (thrown) {
    const error = ensureError(thrown);
    if (error instanceof MigrationStateMissingError) throw new OperationFailedError(error.message);
    // Storage unreachable or refused: one line that says so, without a stack or a secret.
    throw new OperationFailedError(
      `Could not read the migration state: ${reportText(error.message)}`,
    );
  }
}

async function serve(deps: StatusDeps, port: number, io: StatusIo): Promise<void> {
  let server: StatusServer;
  try {
    server = await serveStatus(deps, port, {
      onError: (error) =>
        io.runtime.stderr(`status request failed: ${reportText(error.message)}\n`),
    });
  } catch (thrown) {
    const error = ensureError(thrown) as NodeJS.ErrnoException;
    if (error.code === "EADDRINUSE")
      throw new OperationFailedError(
        `Port ${port} on 127.0.0.1 is in use; choose another with --port, or --port 0 for any free port`,
      );
    throw error;
  }
  io.runtime.stdout(
    `Status page: ${server.url}\nJSON report: ${server.url}?format=json\nServing on 127.0.0.1 only; press Ctrl+C to stop.\n`,
  );
  io.onListening?.(server);
  try {
    await (io.untilStopped ?? untilSignal)();
  } finally {
    await server.close();
  }
}

export async function status(options: StatusCliOptions, io: StatusIo): Promise<void> {
  const port = parsePort(options);
  if (options.serve === true && io.json)
    throw new UsageError(
      "--json and --serve cannot be combined: the served page has its JSON at /status?format=json",
    );
  await withMigrationState(
    options,
    { runtime: io.runtime, access: "read", servers: false, debug: io.debug === true },
    async (settings) => {
      const deps = (io.createDeps ?? defaultDeps)(settings);
      if (options.serve === true) {
        await serve(deps, port, io);
        return;
      }
      const report = await readReport(deps);
      if (io.json) writeJson(io.runtime, report);
      else io.runtime.stdout(renderStatusText(report));
    },
  );
}
