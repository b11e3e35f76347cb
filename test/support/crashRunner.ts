/**
 * A migration runner for the crash-recovery test, run as a child process (bundled by
 * test/support/nodeBundle.ts, or `node --import tsx test/support/crashRunner.ts`) so that a SIGKILL
 * takes it down the way a host crash does, while the FHIR emulators and Azurite live on in the test
 * process.
 *
 * Settings come from the environment (the same AZURE_* app settings the Functions app reads). It runs
 * `runMigrationLocally(deps, { input: { stopWhenCaughtUp: true } })`. With CRASH_RUNNER_KILL_AT=N it
 * SIGKILLs itself before (CRASH_RUNNER_KILL_WHEN=before, the default) or after (=after) its Nth
 * activity call, so kill points land between steps and follow from the test's seed. Calls of one
 * pass run concurrently, so other activities may be half-way through when it dies. One window is
 * excluded: a StartExport between its claim and the record of the status URL. A kill there makes the
 * window export again after the ten-minute claim timeout (docs/architecture.md, Export: $export has
 * no idempotency key), which is documented behaviour rather than something this test can check; the
 * runner waits for such calls to finish before it dies.
 *
 * It writes one JSON line per event to stdout: {"kill": {...}} just before it dies, {"done": {...}}
 * when the run ends.
 */
import { writeSync } from "node:fs";
import { parseSettings } from "../../src/config/settings";
import { createEngineDeps } from "../../src/engine/createDeps";
import { runMigrationLocally } from "../../src/local/localMigration";
import { InMemoryTelemetry } from "../../src/telemetry/telemetry";

const KILL_AT_VARIABLE = "CRASH_RUNNER_KILL_AT";
const KILL_WHEN_VARIABLE = "CRASH_RUNNER_KILL_WHEN";

/** The stdout lines (the test parses them). */
export interface KillReport {
  call: number;
  when: "before" | "after";
  activity: string;
}

export interface DoneReport {
  calls: number;
  output: unknown;
}

function emit(line: { kill: KillReport } | { done: DoneReport }): void {
  // Synchronous, so the line is out before SIGKILL.
  writeSync(1, `${JSON.stringify(line)}\n`);
}

function killAt(env: NodeJS.ProcessEnv): { call: number; when: "before" | "after" } | undefined {
  const text = env[KILL_AT_VARIABLE];
  if (text === undefined || text === "") return undefined;
  const call = Number(text);
  if (!Number.isInteger(call) || call < 1)
    throw new Error(`${KILL_AT_VARIABLE} must be a whole number ≥ 1, got ${JSON.stringify(text)}`);
  const when = env[KILL_WHEN_VARIABLE] ?? "before";
  if (when !== "before" && when !== "after")
    throw new Error(
      `${KILL_WHEN_VARIABLE} must be "before" or "after", got ${JSON.stringify(when)}`,
    );
  return { call, when };
}

async function main(): Promise<void> {
  const kill = killAt(process.env);
  const deps = createEngineDeps(parseSettings(process.env), { telemetry: new InMemoryTelemetry() });
  let calls = 0;
  const exportsStarting = new Set<Promise<unknown>>();

  const die = async (report: KillReport): Promise<never> => {
    while (exportsStarting.size > 0) await Promise.allSettled([...exportsStarting]);
    emit({ kill: report });
    process.kill(process.pid, "SIGKILL");
    // SIGKILL cannot be handled; this only keeps the promise pending until the process is gone.
    return new Promise<never>(() => {});
  };

  const result = await runMigrationLocally(deps, {
    input: { stopWhenCaughtUp: true },
    wrapActivity: async (name, call) => {
      const position = ++calls;
      const hit = kill !== undefined && kill.call === position;
      if (hit && kill.when === "before")
        await die({ call: position, when: "before", activity: name });
      const running = call();
      if (name === "StartExport") {
        // Only whether it has settled matters here; its outcome is awaited just below.
        const settled = running.then(
          () => undefined,
          () => undefined,
        );
        exportsStarting.add(settled);
        void settled.then(() => exportsStarting.delete(settled));
      }
      const value = await running;
      if (hit && kill.when === "after")
        await die({ call: position, when: "after", activity: name });
      return value;
    },
  });
  emit({ done: { calls, output: result.output } });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `crash runner failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
