// Registers E2ETest_Http, E2ETestOrchestration, its sub-orchestrations and activities (bindings only).
import * as df from "durable-functions";
import { VERIFICATION_ACTIVITIES } from "../verify/activities";
import { E2E_TEST_METHODS, e2eTestHttpStart } from "../verify/httpStart";
import { VERIFICATION_ORCHESTRATIONS } from "../verify/orchestrator";
import { registerActivities } from "./engineDeps";

for (const [name, handler] of Object.entries(VERIFICATION_ORCHESTRATIONS))
  df.app.orchestration(name, handler);

registerActivities(VERIFICATION_ACTIVITIES);

df.app.client.http("E2ETest_Http", {
  route: "E2ETest_Http",
  // GET is routed only to be answered 405 with Allow (the host would answer a bare 404).
  methods: ["GET", ...E2E_TEST_METHODS],
  authLevel: "function",
  handler: e2eTestHttpStart,
});
