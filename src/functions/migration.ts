import { app } from "@azure/functions";
import * as df from "durable-functions";
import { MIGRATION_ACTIVITIES } from "../engine/activities";
import { MIGRATION_ORCHESTRATION, migrationOrchestrator } from "../engine/migrationOrchestrator";
import { startMigrationIfIdle } from "../engine/starter";
import { registerActivities } from "./engineDeps";

df.app.orchestration(MIGRATION_ORCHESTRATION, migrationOrchestrator);

registerActivities(MIGRATION_ACTIVITIES);

app.timer("TimerOrchestration", {
  schedule: "%MigrationStarterCron%",
  extraInputs: [df.input.durableClient()],
  handler: async (_timer, context) => {
    await startMigrationIfIdle(df.getClient(context), (m) => context.log(m));
  },
});
