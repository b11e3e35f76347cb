import type { EngineDeps } from "./deps";

/** Exports, search-parameter copies and counts all see versions this way when history or deletes move. */
export function historyAware(deps: Pick<EngineDeps, "settings">): boolean {
  return deps.settings.export.withHistory || deps.settings.export.withDelete;
}
