import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import { describe, expect, inject, it } from "vitest";
import { copyStaging } from "../../../src/cli/actions/copyStaging";
import type { ImportPayloadIo } from "../../../src/cli/actions/importPayload";
import { BlobUrlRefusedError } from "../../../src/storage/blobUrl";
import { startStubServer } from "../../support/stubServer";

function io(cwd: string): ImportPayloadIo {
  return {
    cwd,
    stdout: () => {},
    stderr: () => {},
    getExportStatus: async () => ({ state: "running" }),
  };
}

describe("fhir-migrate copy-staging", () => {
  it("copies export files server-side and writes payloads with the copied urls", async () => {
    const connectionString = inject("azuriteConnectionString");
    const service = BlobServiceClient.fromConnectionString(connectionString);
    const source = service.getContainerClient(`export-${process.pid}`);
    await source.createIfNotExists();
    const files = {
      "Patient-2-1.ndjson": '{"resourceType":"Patient","id":"a"}\n',
      "Observation-3-1.ndjson": '{"resourceType":"Observation","id":"o"}\n',
    };
    for (const [name, text] of Object.entries(files))
      await source.getBlockBlobClient(name).upload(text, text.length);
    const dir = mkdtempSync(join(tmpdir(), "copy-staging-"));
    const manifest = {
      output: [
        {
          type: "Observation",
          url: source.getBlockBlobClient("Observation-3-1.ndjson").url,
          count: 1,
        },
        { type: "Patient", url: source.getBlockBlobClient("Patient-2-1.ndjson").url, count: 1 },
        { type: "SearchParameter", url: `${source.url}/SearchParameter-4-1.ndjson`, count: 1 },
      ],
    };
    writeFileSync(join(dir, "status.json"), JSON.stringify(manifest));
    const target = `copied${process.pid}`;
    const result = await copyStaging(
      {
        manifest: "status.json",
        toConnectionString: connectionString,
        container: target,
        out: "out",
      },
      io(dir),
    );
    expect(result.copied).toBe(2);
    const copied = service.getContainerClient(target);
    expect(
      (await copied.getBlockBlobClient("Patient-2-1.ndjson").downloadToBuffer()).toString(),
    ).toBe(files["Patient-2-1.ndjson"]);
    const payloads = readdirSync(join(dir, "out", "payloads"));
    expect(payloads).toEqual(["import_payload_0001.json"]);
    const body = readFileSync(join(dir, "out", "payloads", payloads[0]!), "utf8");
    expect(body).toContain(`/${target}/Patient-2-1.ndjson`);
    expect(body).not.toContain(`/export-${process.pid}/`);
    expect(body).not.toContain("SearchParameter");
  });

  it("refuses, before any request, a manifest naming files on another account", async () => {
    const connectionString = inject("azuriteConnectionString");
    const foreign = await startStubServer();
    try {
      const dir = mkdtempSync(join(tmpdir(), "copy-staging-"));
      const service = BlobServiceClient.fromConnectionString(connectionString);
      const manifest = {
        output: [
          { type: "Patient", url: `${service.url}/export-1/Patient-1.ndjson`, count: 1 },
          { type: "Patient", url: `${foreign.origin}/acct/export-1/Patient-2.ndjson`, count: 1 },
        ],
      };
      writeFileSync(join(dir, "status.json"), JSON.stringify(manifest));
      await expect(
        copyStaging(
          { manifest: "status.json", toConnectionString: connectionString, out: "out" },
          io(dir),
        ),
      ).rejects.toThrow(BlobUrlRefusedError);
      expect(foreign.requests).toEqual([]);
    } finally {
      await foreign.close();
    }
  });

  it("asks for exactly one target, naming both options", async () => {
    const dir = mkdtempSync(join(tmpdir(), "copy-staging-"));
    writeFileSync(join(dir, "status.json"), JSON.stringify({ output: [] }));
    await expect(copyStaging({ manifest: "status.json", out: "out" }, io(dir))).rejects.toThrow(
      /--to URL .* --to-connection-string/,
    );
  });
});
