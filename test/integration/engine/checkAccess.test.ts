import { HttpRequest, InvocationContext } from "@azure/functions";
import { afterEach, describe, expect, inject, it } from "vitest";
import { createEngineDeps } from "../../../src/engine/createDeps";
import { checkAccessHandler } from "../../../src/functions/checkAccess";
import type { LocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { settingsFor, startLocalEnvironment } from "../../../emulator/harness/localEnvironment";

let environment: LocalEnvironment | undefined;

afterEach(async () => {
  await environment?.stop();
  environment = undefined;
});

async function handlerFor(overrides: Record<string, string> = {}) {
  environment = await startLocalEnvironment({
    azurite: {
      connectionString: inject("azuriteConnectionString"),
      blobEndpoint: inject("azuriteBlobEndpoint"),
    },
  });
  const deps = createEngineDeps(
    settingsFor(
      environment.env({
        AZURE_ChunkTableName: `cachunk${process.pid}`,
        AZURE_ExportTableName: `caexport${process.pid}`,
        ...overrides,
      }),
    ),
  );
  return checkAccessHandler(
    new HttpRequest({ method: "GET", url: "http://localhost/api/CheckAccess_Http" }),
    new InvocationContext(),
    deps,
  );
}

describe("CheckAccess_Http", () => {
  it("answers 200 when tables, payload storage and both servers are reachable", async () => {
    const response = await handlerFor();
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({
      ok: true,
      tables: { status: "ok" },
      source: { status: "ok" },
      destination: { status: "ok" },
      stagingStorage: { status: "skipped" },
    });
  });

  it("answers 503 naming the unreachable server and the role to grant", async () => {
    // Nothing listens on port 9 (discard) here: the source is unreachable.
    const response = await handlerFor({
      AZURE_SourceUri: "http://127.0.0.1:9",
      AZURE_RetryCount: "0",
    });
    expect(response.status).toBe(503);
    expect(response.jsonBody).toMatchObject({
      ok: false,
      source: { status: "failed", message: expect.stringMatching(/FHIR Data Reader/) },
      destination: { status: "ok" },
    });
  });
});
