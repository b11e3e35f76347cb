// Registers E2ETest_Http, E2ETestOrchestration and its activities (bindings only).
import * as df from "durable-functions";
import type { VerificationActivityName } from "../verify/activities";
import { VERIFICATION_ACTIVITIES } from "../verify/activities";
import { e2eTestHttpStart } from "../verify/httpStart";
import { E2E_TEST_ORCHESTRATION, verificationOrchestrator } from "../verify/orchestrator";
import { engineDeps } from "./engineDeps";

df.app.orchestration(E2E_TEST_ORCHESTRATION, verificationOrchestrator);

for (const name of Object.keys(VERIFICATION_ACTIVITIES) as VerificationActivityName[]) {
  const implementation = VERIFICATION_ACTIVITIES[name] as (
    deps: unknown,
    input: unknown,
  ) => Promise<unknown>;
  df.app.activity(name, {
    handler: async (input: unknown, context) =>
      implementation(await engineDeps((m) => context.log(m)), input),
  });
}

df.app.client.http("E2ETest_Http", {
  route: "E2ETest_Http",
  methods: ["GET", "POST"],
  authLevel: "function",
  handler: e2eTestHttpStart,
});
