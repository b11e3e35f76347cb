import { buildStatusReport } from "./buildReport";
import type { StatusReport } from "./report";
import type { StatusDeps } from "./statusState";
import { loadStatusState } from "./statusState";

/** Reads the state tables and builds the report, measured from the deps' clock after reading. */
export async function loadStatusReport(deps: StatusDeps): Promise<StatusReport> {
  const state = await loadStatusState(deps);
  return buildStatusReport(state, new Date(deps.clock.now()));
}
