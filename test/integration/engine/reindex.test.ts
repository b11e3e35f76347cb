import { afterEach, describe, expect, inject, it } from "vitest";
import { createEngineDeps } from "../../../src/engine/createDeps";
import { runMigrationLocally } from "../../../src/local/localMigration";
import type { LocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { settingsFor, startLocalEnvironment } from "../../../emulator/harness/localEnvironment";
import {
  customSearchParameter,
  syntheticResource,
  seededRandom,
} from "../../../emulator/harness/syntheticData";

let environment: LocalEnvironment | undefined;
let n = 0;

afterEach(async () => {
  await environment?.stop();
  environment = undefined;
});

async function migrateWith(reindex: boolean) {
  let at: number | undefined = Date.now() - 3_600_000;
  environment = await startLocalEnvironment({
    azurite: {
      connectionString: inject("azuriteConnectionString"),
      blobEndpoint: inject("azuriteBlobEndpoint"),
    },
    sourceClock: { now: () => at ?? Date.now() },
    latency: { exportFixedMs: 20, importFixedMs: 20, reindexFixedMs: 50 },
  });
  const random = seededRandom(3);
  environment.source.store.create(customSearchParameter());
  for (let i = 0; i < 10; i++)
    environment.source.store.create(syntheticResource("Patient", `p${i}`, `p${i}`, random, at));
  at = undefined;
  n++;
  const deps = createEngineDeps(
    settingsFor(
      environment.env({
        AZURE_ChunkTableName: `rxchunk${process.pid}x${n}`,
        AZURE_ExportTableName: `rxexport${process.pid}x${n}`,
        // Staged blobs are named from the row key in containers shared with parallel files.
        AZURE_RowKey: `rxrow${process.pid}x${n}`,
        AZURE_ReindexAfterCatchUp: String(reindex),
      }),
    ),
  );
  await runMigrationLocally(deps, { input: { stopWhenCaughtUp: true } });
  return { env: environment, cursor: await deps.state.getCursor() };
}

describe("$reindex after catch-up", () => {
  it("runs $reindex on the destination and waits for it when custom SearchParameters were copied", async () => {
    const { env, cursor } = await migrateWith(true);
    expect(cursor.reindexState).toBe("done");
    expect(env.destination.stats.requests("reindex")).toBeGreaterThanOrEqual(2);
  });

  it("only records that a reindex is needed when the setting is off", async () => {
    const { env, cursor } = await migrateWith(false);
    expect(cursor.reindexState).toBe("needed");
    expect(env.destination.stats.requests("reindex")).toBe(0);
  });
});
