import { growSeenTypes } from "../core/typeDiscovery";
import type { EngineDeps } from "./deps";

/**
 * Adds the types of `seen` (export files, counted types) to the seen-types row, type discovery's
 * candidates (docs/verification.md): one table read, and an ETag-guarded write only when the list
 * grows. Nothing is read when `seen` names no R4 type.
 */
export async function recordSeenTypes(
  deps: Pick<EngineDeps, "state">,
  seen: readonly { type: string }[],
): Promise<void> {
  const types = seen.map((s) => s.type);
  if (growSeenTypes([], types) === undefined) return;
  await deps.state.seenTypes.change((current) => {
    const grown = growSeenTypes(current?.types, types);
    return grown === undefined ? undefined : { types: grown };
  });
}
