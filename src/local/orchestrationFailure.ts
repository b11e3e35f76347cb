/**
 * The local runtime's failure, in a module of its own: the CLI tells it apart on every error path,
 * and importing it must not load durable-functions (`--help` loads no command's code).
 */
import { withoutStack } from "../core/errorText";

/**
 * The orchestrator threw (an activity failure it did not catch). durable-functions' own error
 * carries the activity's stack and a dump of the orchestration state in its message
 * (lib/src/error/OrchestrationFailureError.js); this one carries the message only, and the original
 * as its cause (for --debug).
 */
export class OrchestrationFailedError extends Error {
  override readonly name = "OrchestrationFailedError";
  constructor(orchestration: string, cause: unknown) {
    super(
      `${orchestration} failed: ${withoutStack(cause instanceof Error ? cause.message : String(cause))}`,
      { cause },
    );
  }
}

export function isOrchestrationFailedError(error: unknown): error is OrchestrationFailedError {
  return error instanceof Error && error.name === "OrchestrationFailedError";
}
