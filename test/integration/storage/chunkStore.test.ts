import { beforeEach, describe, expect, it } from "vitest";
import { exportJob } from "../../../src/core/jobLifecycle";
import type { ChunkRecord } from "../../../src/core/migrationState";
import { ChunkStore } from "../../../src/storage/chunkStore";
import type { TableRepository, TableRow } from "../../../src/storage/tableRepository";
import { freshTable } from "../../support/freshTable";
import { JANUARY_CHUNK } from "../../support/chunks";

const planned: ChunkRecord = JANUARY_CHUNK;

const claim = (c: ChunkRecord): ChunkRecord | undefined =>
  exportJob.can(c.exportStatus, "claim")
    ? { ...c, exportStatus: exportJob.next(c.exportStatus, "claim") }
    : undefined;

describe("a chunk change's answer", () => {
  let table: TableRepository<TableRow>;
  let chunks: ChunkStore;

  beforeEach(async () => {
    table = await freshTable();
    chunks = new ChunkStore(table, { partitionKey: "pk", rowKey: "rk" });
  });

  it("says it wrote, with the row it read and the row it left", async () => {
    await chunks.insertChunk(planned);
    const change = await chunks.changeChunk(1, claim);
    expect(change.written).toBe(true);
    expect(change.before?.exportStatus).toBe("Planned");
    expect(change.after?.exportStatus).toBe("Started");
  });

  it("says it did not write when the mutator declined", async () => {
    await chunks.insertChunk({ ...planned, exportStatus: "Running" });
    const change = await chunks.changeChunk(1, claim);
    expect(change.written).toBe(false);
    expect(change.after?.exportStatus).toBe("Running");
  });

  it("is the decision of the mutator's last run after losing an ETag race", async () => {
    await chunks.insertChunk(planned);
    // Another runner claims the chunk between this call's read and its write.
    const update = table.update.bind(table);
    let raced = false;
    table.update = async (row, mode) => {
      if (!raced) {
        raced = true;
        await chunks.changeChunk(1, claim);
      }
      return update(row, mode);
    };
    let runs = 0;
    const change = await chunks.changeChunk(1, (c) => (runs++, claim(c)));
    expect(runs).toBeGreaterThan(1);
    expect(change.written).toBe(false);
    expect((await chunks.getChunk(1))?.exportStatus).toBe("Started");
  });
});
