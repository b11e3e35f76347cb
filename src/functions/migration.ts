import { app } from "@azure/functions";
import * as df from "durable-functions";
import { MIGRATION_ACTIVITIES } from "../engine/activities";
import type { MigrationActivityName } from "../engine/activities";
import { MIGRATION_ORCHESTRATION, migrationOrchestrator } from "../engine/migrationOrchestrator";
import { startMigrationIfIdle } from "../engine/starter";
import { engineDeps } from "./engineDeps";

df.app.orchestration(MIGRATION_ORCHESTRATION, migrationOrchestrator);

for (const name of Object.keys(MIGRATION_ACTIVITIES) as MigrationActivityName[]) {
  const implementation = MIGRATION_ACTIVITIES[name] as (
    deps: unknown,
    input: unknown,
  ) => Promise<unknown>;
  df.app.activity(name, {
    handler: async (input: unknown, context) =>
      implementation(await engineDeps((m) => context.log(m)), input),
  });
}

app.timer("TimerOrchestration", {
  schedule: "%MigrationStarterCron%",
  extraInputs: [df.input.durableClient()],
  handler: async (_timer, context) => {
    await startMigrationIfIdle(df.getClient(context), (m) => context.log(m));
  },
});
