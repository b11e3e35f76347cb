/**
 * The cutover operation in this process (`fhir-migrate cutover`, the demo, the tests): records the
 * request, then runs the same migration orchestration as the Functions app until it has a verdict.
 */
import type { CutoverRecord } from "../core/cutover";
import { startCutover } from "../engine/cutover";
import type { EngineDeps } from "../engine/deps";
import type { MigrationOutcome } from "../engine/migrationOrchestrator";
import type { LocalMigrationOptions } from "./localMigration";
import { runMigrationLocally } from "./localMigration";

export interface LocalCutoverResult {
  /** The stored cutover (with its verdict when the run reached one). */
  cutover: CutoverRecord | undefined;
  /** What the request did: started, unchanged (the same freeze again), or refused (and why). */
  request: "started" | "unchanged";
  /** A GO asked for again: that it is repeated and what was counted now, or why it is proved again. */
  note: string | undefined;
  outcome: MigrationOutcome | undefined;
  stopped: boolean;
}

export class CutoverRefusedError extends Error {
  override readonly name = "CutoverRefusedError";
}

export async function runCutoverLocally(
  deps: EngineDeps,
  freeze: string,
  options: Omit<LocalMigrationOptions, "input"> = {},
): Promise<LocalCutoverResult> {
  await deps.state.ensure();
  const request = await startCutover(deps, freeze);
  if (request.kind === "refused") throw new CutoverRefusedError(request.message);
  if (request.record.phase === "GO") {
    return {
      cutover: request.record,
      request: request.kind,
      note: request.note,
      outcome: undefined,
      stopped: false,
    };
  }
  const result = await runMigrationLocally(deps, { ...options, input: {} });
  return {
    cutover: await deps.state.cutover.get(),
    request: request.kind,
    note: request.note,
    outcome: result.output as MigrationOutcome | undefined,
    stopped: result.stopped,
  };
}
