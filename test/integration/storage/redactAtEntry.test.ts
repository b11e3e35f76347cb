import { afterEach, describe, expect, inject, it } from "vitest";
import { createEngineDeps } from "../../../src/engine/createDeps";
import { haltMigration, recordFailure } from "../../../src/engine/failures";
import { InMemoryTelemetry } from "../../../src/telemetry/telemetry";
import type { LocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { settingsFor, startLocalEnvironment } from "../../../emulator/harness/localEnvironment";

let environment: LocalEnvironment | undefined;
let tables = 0;

afterEach(async () => {
  await environment?.stop();
  environment = undefined;
});

const SAS = "https://acct.blob.core.windows.net/c/f.ndjson?sv=2022-11-02&sig=SECRETSIG";

async function deps() {
  environment = await startLocalEnvironment({
    azurite: {
      connectionString: inject("azuriteConnectionString"),
      blobEndpoint: inject("azuriteBlobEndpoint"),
    },
  });
  tables++;
  const telemetry = new InMemoryTelemetry();
  const lines: string[] = [];
  const d = createEngineDeps(
    settingsFor(
      environment.env({
        AZURE_ChunkTableName: `rdchunk${process.pid}n${tables}`,
        AZURE_ExportTableName: `rdexport${process.pid}n${tables}`,
        AZURE_MaxExportRetries: "1",
      }),
    ),
    { telemetry, log: (m) => lines.push(m) },
  );
  await d.state.ensure();
  return { d, telemetry, lines };
}

describe("credentials and stacks are removed where text enters tables, telemetry and logs", () => {
  it("a failed resource's reason is stored redacted", async () => {
    const { d } = await deps();
    await d.state.recordFailedResources([
      {
        chunkSeq: 1,
        payloadIndex: 1,
        resourceType: "Patient",
        id: "p1",
        reason: `could not read ${SAS}; client_secret=shh`,
        inputUrl: "https://acct.blob.core.windows.net/c/f.ndjson",
      },
    ]);
    const stored = [];
    for await (const r of d.state.listFailedResources()) stored.push(r.reason);
    expect(stored).toEqual([
      "could not read https://acct.blob.core.windows.net/c/f.ndjson?sv=REDACTED&sig=REDACTED; client_secret=REDACTED",
    ]);
  });

  it("a halt reason is stored, sent and logged without credentials or a stack trace", async () => {
    const { d, telemetry, lines } = await deps();
    const error = new Error(`GET ${SAS} failed`);
    await recordFailure(d, `${error.message} \n ${error.stack}`);
    const cursor = await d.state.getCursor();
    expect(cursor.halted).toBe(true);
    expect(cursor.haltReason).toBe(
      "Halted after 1 consecutive failures; last: GET https://acct.blob.core.windows.net/c/f.ndjson?sv=REDACTED&sig=REDACTED failed",
    );
    const sent = JSON.stringify(telemetry.events) + lines.join("\n");
    expect(sent).not.toMatch(/SECRETSIG|\n\s+at /);
    await haltMigration(d, "again"); // already halted: nothing changes
    expect((await d.state.getCursor()).haltReason).toBe(cursor.haltReason);
  });
});
