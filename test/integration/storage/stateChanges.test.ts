import { describe, expect, it } from "vitest";
import { exportJob } from "../../../src/core/jobLifecycle";
import type { ChunkRecord } from "../../../src/core/migrationState";
import { plannedChunk } from "../../../src/core/migrationState";
import type { EngineDeps } from "../../../src/engine/deps";
import type { TableRepository, TableRow } from "../../../src/storage/tableRepository";
import { freshTables } from "../../support/engineScenario";
import { depsWithTables, unreachableServers } from "../../support/fakeDeps";

/** Deps on fresh tables of the shared Azurite; no server is called. */
function freshDeps(): Promise<EngineDeps> {
  return depsWithTables({ ...unreachableServers(), ...freshTables("sc") });
}

const planned: ChunkRecord = plannedChunk({
  seq: 1,
  since: "2024-01-01T00:00:00.000Z",
  till: "2024-02-01T00:00:00.000Z",
  resourceType: undefined,
  expectedCount: 10,
});

const claim = (c: ChunkRecord): ChunkRecord | undefined =>
  exportJob.can(c.exportStatus, "claim")
    ? { ...c, exportStatus: exportJob.next(c.exportStatus, "claim") }
    : undefined;

describe("a state update's answer", () => {
  it("says it wrote, with the row it read and the row it left", async () => {
    const deps = await freshDeps();
    await deps.state.insertChunk(planned);
    const change = await deps.state.changeChunk(1, claim);
    expect(change.written).toBe(true);
    expect(change.before?.exportStatus).toBe("Planned");
    expect(change.after?.exportStatus).toBe("Started");
  });

  it("says it did not write when the mutator declined", async () => {
    const deps = await freshDeps();
    await deps.state.insertChunk({ ...planned, exportStatus: "Running" });
    const change = await deps.state.changeChunk(1, claim);
    expect(change.written).toBe(false);
    expect(change.after?.exportStatus).toBe("Running");
  });

  it("is the decision of the mutator's last run after losing an ETag race", async () => {
    const deps = await freshDeps();
    await deps.state.insertChunk(planned);
    // Another runner claims the chunk between this call's read and its write.
    const table = (deps.state as unknown as { jobTable: TableRepository<TableRow> }).jobTable;
    const update = table.update.bind(table);
    let raced = false;
    table.update = async (row, mode) => {
      if (!raced) {
        raced = true;
        await deps.state.changeChunk(1, claim);
      }
      return update(row, mode);
    };
    let runs = 0;
    const change = await deps.state.changeChunk(1, (c) => (runs++, claim(c)));
    expect(runs).toBeGreaterThan(1);
    expect(change.written).toBe(false);
    expect((await deps.state.getChunk(1))?.exportStatus).toBe("Started");
  });
});
