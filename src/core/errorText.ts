/**
 * What a person is shown of an error: its message, without the stack trace and without
 * durable-functions' internal state. durable-functions builds an activity failure as
 * `${Reason} \n ${Details}` where Details is the activity's stack
 * (node_modules/durable-functions/lib/src/orchestrations/TaskOrchestrationExecutor.js), and an
 * orchestration failure as `${message}\n\n$OutOfProcData$:${JSON state}`
 * (lib/src/error/OrchestrationFailureError.js). Both are internals: halt reasons, the status page
 * and CLI output show the message; the stack goes to debug output (`fhir-migrate --debug`,
 * telemetry exceptions).
 */

const OUT_OF_PROC_DATA = "\n\n$OutOfProcData$:";
const TASK_FAILED_SEPARATOR = " \n ";
/**
 * A stack frame line: indented, `at`, and ending in a position (`    at fn (file:1:2)`,
 * `    at file:1:2`) or a native marker; a message line that starts with "at least" stays.
 */
const STACK_FRAME = /^\s+at\s.*(?::\d+:\d+\)?|\(native\)|\(<anonymous>\))$/;

function stateError(json: string): string | undefined {
  try {
    const state = JSON.parse(json) as { error?: unknown };
    return typeof state.error === "string" && state.error !== "" ? state.error : undefined;
  } catch {
    return undefined;
  }
}

export function withoutStack(text: string): string {
  let message = text;
  const dump = message.indexOf(OUT_OF_PROC_DATA);
  if (dump >= 0) {
    // durable-functions 3.5 puts `orchestratorReturned` (false) before the label and the real
    // message in the state's `error`.
    message = stateError(message.slice(dump + OUT_OF_PROC_DATA.length)) ?? message.slice(0, dump);
  }
  // Reason \n Details: keep the reason when what follows is a stack.
  const separator = message.indexOf(TASK_FAILED_SEPARATOR);
  if (separator >= 0 && /\n\s*at\s/.test(message.slice(separator))) {
    message = message.slice(0, separator);
  }
  return message
    .split("\n")
    .filter((line) => !STACK_FRAME.test(line))
    .join("\n")
    .trimEnd();
}
