/**
 * Server answers that lie or point elsewhere, produced by a loopback proxy in front of the
 * emulators: each ends with the data on the destination, or an open, visible failure naming it.
 */
import { BlobServiceClient } from "@azure/storage-blob";
import { describe, expect, it } from "vitest";
import { clearMaxExportRetries } from "../../../src/engine/control";
import type { ImportResult } from "../../../src/fhir/types";
import type { RewritingProxy } from "../../support/rewritingProxy";
import { startRewritingProxy } from "../../support/rewritingProxy";
import { startStubServer } from "../../support/stubServer";
import type { ResilienceEnvironment, TestDeps } from "./harness";
import {
  chunkRows,
  depsFor,
  expectEveryVersionCopied,
  migrate,
  payloadRows,
  startResilienceEnvironment,
  useOwnAzurite,
} from "./harness";

const azurite = useOwnAzurite();

async function withProxy(
  side: "source" | "destination",
  test: (environment: ResilienceEnvironment, proxy: RewritingProxy) => Promise<void>,
): Promise<void> {
  const environment = await startResilienceEnvironment({ azurite: azurite() });
  const proxy = await startRewritingProxy(environment[side].baseUrl);
  try {
    environment.seed(30);
    await test(environment, proxy);
  } finally {
    await proxy.close();
    await environment.stop();
  }
}

async function failedResources(deps: TestDeps) {
  const failed = [];
  for await (const f of deps.state.listFailedResources()) failed.push(f);
  return failed;
}

const isImportResult = (e: { method: string; url: string; status: number }) =>
  e.method === "GET" && e.url.includes("/_operations/import/") && e.status === 200;

/** Rewrites each finished import result with `change`. */
function rewriteImportResults(change: (result: ImportResult) => ImportResult) {
  return (e: { method: string; url: string; status: number; body: string }) =>
    isImportResult(e)
      ? { body: JSON.stringify(change(JSON.parse(e.body) as ImportResult)) }
      : undefined;
}

describe("import answers that do not account for what was sent", () => {
  it("does not complete a payload whose result reports fewer resources than it was sent; halts naming it, and finishes once cleared", () =>
    withProxy("destination", async (environment, proxy) => {
      proxy.setRewrite(rewriteImportResults((r) => ({ ...r, output: [], error: [] })));
      // One window, so one payload: with several importing at once, five of their failures can
      // halt the migration (AZURE_MaxExportRetries) before any payload used its two attempts.
      const deps = depsFor(environment, "emptyimport", {
        AZURE_DestinationUri: proxy.origin,
        AZURE_ImportAttempts: "2",
        AZURE_ExportChunkTime: "3600",
        AZURE_ChunkLimit: "1000",
      });
      const halted = await migrate(environment, deps);
      expect(halted.output).toMatchObject({ outcome: "halted" });
      const cursor = await deps.state.getCursor();
      expect(cursor.haltReason).toMatch(
        /failed 2 times \(AZURE_ImportAttempts\).*accounts for 0 of \d+ resources sent/,
      );
      const failed = (await payloadRows(deps)).filter((p) => p.status === "Failed");
      expect(failed.length).toBeGreaterThan(0);
      for (const payload of failed) {
        expect(payload.failureReason).toMatch(/neither imported nor failed/);
        // The window stays open: the watermark has not passed the failed payload's chunk.
        const chunk = (await chunkRows(deps)).find((c) => c.seq === payload.chunkSeq);
        expect(chunk?.processed).toBe(false);
        expect(cursor.watermark! <= chunk!.since).toBe(true);
      }
      expect(cursor.resourcesImported).toBe(0);

      proxy.setRewrite(undefined);
      await clearMaxExportRetries(deps.state, deps.telemetry, {
        partitionKey: deps.settings.storage.partitionKey,
        rowKey: deps.settings.storage.rowKey,
      });
      const resumed = await migrate(environment, deps);
      expect(resumed.output).toMatchObject({ outcome: "caught-up" });
      await expectEveryVersionCopied(deps);
    }));

  it("records failures an error file does not detail as failures without detail", () =>
    withProxy("destination", async (environment, proxy) => {
      environment.destination.faults.add({
        kind: "import-partial-errors",
        count: 1,
        message: "Failed to parse the decimal value.",
      });
      // Three resources move from the imported count to the failed count: the total still matches
      // what was sent, but the error file holds one line for four counted failures.
      proxy.setRewrite(
        rewriteImportResults((r) => {
          const entry = r.error[0];
          const output = r.output.find((o) => o.inputUrl === entry?.inputUrl);
          if (entry === undefined || output === undefined) return r;
          output.count = Math.max(0, output.count - 3);
          entry.count += 3;
          return r;
        }),
      );
      const deps = depsFor(environment, "fewerlines", { AZURE_DestinationUri: proxy.origin });
      const result = await migrate(environment, deps);
      expect(result.output).toMatchObject({ outcome: "caught-up" });
      expect(proxy.rewritten.length).toBeGreaterThan(0);
      const failed = await failedResources(deps);
      const undetailed = failed.filter((f) => f.id === "(no detail)");
      expect(undetailed).toHaveLength(1);
      expect(undetailed[0]?.reason).toMatch(
        /^3 resource\(s\) failed without detail .*1 line\(s\) for 4 counted failure\(s\)/,
      );
      expect((await deps.state.getCursor()).resourcesFailed).toBe(4);
    }));

  it("records the failures of a missing error file as failures without detail", () =>
    withProxy("destination", async (environment, proxy) => {
      environment.destination.faults.add({ kind: "import-partial-errors", count: 2 });
      proxy.setRewrite(
        rewriteImportResults((r) => ({
          ...r,
          error: r.error.map((e) => ({ ...e, url: `${e.url ?? ""}.gone` })),
        })),
      );
      const deps = depsFor(environment, "noerrorfile", { AZURE_DestinationUri: proxy.origin });
      const result = await migrate(environment, deps);
      expect(result.output).toMatchObject({ outcome: "caught-up" });
      const failed = await failedResources(deps);
      expect(failed.length).toBeGreaterThan(0);
      let withoutDetail = 0;
      for (const row of failed) {
        expect(row.id).toBe("(no detail)");
        const match = /^(\d+) resource\(s\) failed without detail.*does not exist/.exec(row.reason);
        expect(match).not.toBeNull();
        withoutDetail += Number(match![1]);
      }
      expect(withoutDetail).toBe(2);
      expect((await deps.state.getCursor()).resourcesFailed).toBe(2);
    }));
});

describe("blob URLs on accounts the settings do not name", () => {
  it("never requests an error file on another host, and records its failures", () =>
    withProxy("destination", async (environment, proxy) => {
      const foreign = await startStubServer();
      try {
        foreign.fallback(() => ({ status: 200, body: "" }));
        environment.destination.faults.add({ kind: "import-partial-errors", count: 1 });
        proxy.setRewrite(
          rewriteImportResults((r) => ({
            ...r,
            error: r.error.map((e) => ({
              ...e,
              url: `${foreign.origin}/devstoreaccount1/fhirlogs/stolen.ndjson`,
            })),
          })),
        );
        const deps = depsFor(environment, "foreignhost", { AZURE_DestinationUri: proxy.origin });
        const result = await migrate(environment, deps);
        expect(result.output).toMatchObject({ outcome: "caught-up" });
        expect(foreign.requests).toEqual([]);
        const failed = await failedResources(deps);
        expect(failed).toHaveLength(1);
        expect(failed[0]?.reason).toMatch(/not on a configured storage account and was not read/);
      } finally {
        await foreign.close();
      }
    }));

  it("halts, without a request, when a manifest names an export file on another host", () =>
    withProxy("source", async (environment, proxy) => {
      const foreign = await startStubServer();
      try {
        foreign.fallback(() => ({ status: 200, body: "" }));
        proxy.setRewrite((e) => {
          if (e.method !== "GET" || !e.url.includes("/_operations/export/") || e.status !== 200)
            return undefined;
          const manifest = JSON.parse(e.body) as { output: { url: string }[] };
          manifest.output = manifest.output.map((o) => ({
            ...o,
            url: o.url.replace(/^http:\/\/[^/]+/, foreign.origin),
          }));
          return { body: JSON.stringify(manifest) };
        });
        const deps = depsFor(environment, "foreignexport", { AZURE_SourceUri: proxy.origin });
        const result = await migrate(environment, deps);
        expect(result.output).toMatchObject({ outcome: "halted" });
        expect(foreign.requests).toEqual([]);
        expect((await deps.state.getCursor()).haltReason).toMatch(
          /Refused to read .* not on a storage account the settings name/,
        );
      } finally {
        await foreign.close();
      }
    }));
});

describe("export lines outside the window", () => {
  it("records a version whose lastUpdated is outside the exported window", () =>
    withProxy("source", async (environment, proxy) => {
      const container = BlobServiceClient.fromConnectionString(
        environment.connectionString,
      ).getContainerClient("outsider");
      await container.createIfNotExists();
      const blob = container.getBlockBlobClient("Patient-outsider.ndjson");
      const line = JSON.stringify({
        resourceType: "Patient",
        id: "outsider-1",
        meta: { versionId: "1", lastUpdated: "2001-01-01T00:00:00.000Z" },
      });
      await blob.upload(`${line}\n`, Buffer.byteLength(line) + 1);
      let added = false;
      proxy.setRewrite((e) => {
        if (added || e.method !== "GET" || !e.url.includes("/_operations/export/"))
          return undefined;
        if (e.status !== 200) return undefined;
        added = true;
        const manifest = JSON.parse(e.body) as { output: unknown[] };
        manifest.output.push({ type: "Patient", url: blob.url, count: 1 });
        return { body: JSON.stringify(manifest) };
      });
      const deps = depsFor(environment, "outsider", { AZURE_SourceUri: proxy.origin });
      const result = await migrate(environment, deps);
      expect(result.output).toMatchObject({ outcome: "caught-up" });
      const failed = await failedResources(deps);
      expect(failed).toEqual([
        expect.objectContaining({
          resourceType: "Patient",
          id: "outsider-1",
          reason: expect.stringMatching(
            /lastUpdated 2001-01-01T00:00:00.000Z is outside the exported window/,
          ) as unknown,
        }),
      ]);
      const chunk = (await chunkRows(deps)).find((c) => c.seq === failed[0]?.chunkSeq);
      expect(chunk?.failureReason).toMatch(/1 line\(s\) of the export files are not in the window/);
    }));
});
