import type { OrchestrationContext, Task } from "durable-functions";
import type { ActivityCall, ActivityInput, MigrationActivityName } from "../core/activityRegistry";

/**
 * The orchestrator's only way to call a migration activity: the name must be in the registry
 * (src/core/activityRegistry.ts) and the input must be that activity's, so a call the Functions app
 * does not register, or registers with another input, does not compile. No I/O: it yields the task.
 */
export function callActivity<K extends MigrationActivityName>(
  context: OrchestrationContext,
  name: K,
  input: ActivityInput<K>,
): Task {
  return context.df.callActivity(name, input);
}

/** callActivity for a planned action (name and input paired). */
export function callPlanned(context: OrchestrationContext, action: ActivityCall): Task {
  return context.df.callActivity(action.activity, action.input);
}
