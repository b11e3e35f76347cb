/**
 * The seen-types row (type discovery's candidates) on the shared Azurite: writers that see
 * different types at once all land in it, and a writer that sees nothing new does not write.
 */
import { describe, expect, it } from "vitest";
import type { EngineDeps } from "../../../src/engine/deps";
import { recordSeenTypes } from "../../../src/engine/seenTypes";
import type { SeenTypes } from "../../../src/storage/migrationRows";
import type { StoredRow } from "../../../src/storage/rowStore";
import { freshTables } from "../../support/engineScenario";
import { depsWithTables, unreachableServers } from "../../support/fakeDeps";

const files = (...types: string[]) => types.map((type) => ({ type }));

describe("recordSeenTypes", () => {
  it("keeps every type of builds that record at once (the loser of the ETag race merges again)", async () => {
    const deps = await depsWithTables({ ...unreachableServers(), ...freshTables("st") });
    await Promise.all([
      recordSeenTypes(deps, files("Patient")),
      recordSeenTypes(deps, files("Observation", "Patient")),
      recordSeenTypes(deps, files("Encounter")),
    ]);
    expect(await deps.state.seenTypes.get()).toEqual({
      types: ["Encounter", "Observation", "Patient"],
    });
  });

  it("writes nothing when every type is already recorded, and reads nothing for no R4 type", async () => {
    const deps = await depsWithTables({ ...unreachableServers(), ...freshTables("st") });
    await recordSeenTypes(deps, files("Observation", "Patient"));
    const written: boolean[] = [];
    const seenTypes: Pick<StoredRow<SeenTypes>, "change"> = {
      change: async (decide) => {
        const change = await deps.state.seenTypes.change(decide);
        written.push(change.written);
        return change;
      },
    };
    const watched = { state: { seenTypes } } as unknown as Pick<EngineDeps, "state">;
    await recordSeenTypes(watched, files("Patient", "NotAType"));
    await recordSeenTypes(watched, files("NotAType", "patient"));
    await recordSeenTypes(watched, files("Encounter"));
    expect(written).toEqual([false, true]);
    expect(await deps.state.seenTypes.get()).toEqual({
      types: ["Encounter", "Observation", "Patient"],
    });
  });
});
