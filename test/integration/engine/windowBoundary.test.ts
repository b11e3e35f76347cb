/**
 * Versions stamped exactly where a window would end. Azure API for FHIR reads `_till` as `le`
 * (inclusive), the SQL parallel export as exclusive (docs/architecture.md, "Windows and the
 * watermark"); windows end on a millisecond holding no version, so both read them alike and no
 * version is exported, imported or counted twice.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { createEngineDeps } from "../../../src/engine/createDeps";
import { runMigrationLocally } from "../../../src/local/localMigration";
import { InMemoryTelemetry } from "../../../src/telemetry/telemetry";
import type { LocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { settingsFor, startLocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { seededRandom, syntheticResource } from "../../../emulator/harness/syntheticData";

let environment: LocalEnvironment | undefined;
afterEach(async () => {
  await environment?.stop();
  environment = undefined;
});

const DAY = 86_400_000;

describe("window boundaries", () => {
  it("ends a window next to, not on, the millisecond of versions at its planned end", async () => {
    let at: number | undefined;
    environment = await startLocalEnvironment({
      azurite: {
        connectionString: inject("azuriteConnectionString"),
        blobEndpoint: inject("azuriteBlobEndpoint"),
      },
      sourceClock: { now: () => at ?? Date.now() },
      latency: { exportFixedMs: 20, importFixedMs: 20 },
    });
    const start = Math.floor((Date.now() - 10 * DAY) / 1000) * 1000;
    const random = seededRandom(5);
    const writes: [string, number][] = [
      ["p0", start],
      ["p1", start + DAY - 1], // the millisecond before the planned end
      ["p2", start + DAY], // on the planned end
      ["p3", start + DAY + 2],
      ["p4", start + 2 * DAY + 5000],
    ];
    for (const [id, ms] of writes) {
      at = ms;
      environment.source.store.create(syntheticResource("Patient", id, id, random, ms));
    }
    at = undefined;
    const telemetry = new InMemoryTelemetry();
    const deps = createEngineDeps(
      settingsFor(
        environment.env({
          AZURE_ChunkTableName: `wbchunk${process.pid}`,
          AZURE_ExportTableName: `wbexport${process.pid}`,
          // Staged blobs are named from the row key in containers shared with parallel files.
          AZURE_RowKey: `wbrow${process.pid}`,
          AZURE_StartDate: new Date(start).toISOString(),
          AZURE_ExportChunkTime: "1",
          AZURE_ExportChunkDuration: "Days",
        }),
      ),
      { telemetry },
    );
    await runMigrationLocally(deps, { input: { stopWhenCaughtUp: true } });

    const chunks = [];
    for await (const c of deps.state.listAllChunks()) chunks.push(c);
    // The planned end (start + 1 day) holds p2, the millisecond before holds p1: the next one is free.
    expect(chunks[0]).toMatchObject({
      since: new Date(start).toISOString(),
      till: new Date(start + DAY + 1).toISOString(),
      expectedCount: 3,
    });
    const boundaries = new Set(chunks.map((c) => Date.parse(c.till)));
    expect(writes.some(([, ms]) => boundaries.has(ms))).toBe(false);
    expect(telemetry.named("WindowBoundary")).toEqual([]);
    // Each version counted once: expected, exported and imported.
    expect(chunks.reduce((n, c) => n + c.expectedCount, 0)).toBe(writes.length);
    expect(chunks.reduce((n, c) => n + (c.totalExportResourceCount ?? 0), 0)).toBe(writes.length);
    expect(chunks.reduce((n, c) => n + c.totalImportResourceCount, 0)).toBe(writes.length);
    expect((await deps.state.getCursor()).resourcesImported).toBe(writes.length);
    expect(environment.destination.store.count("Patient")).toBe(writes.length);
  });
});
