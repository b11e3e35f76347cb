import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { main } from "../../../src/cli/main";
import { createFhirClient } from "../../../src/fhir/client";
import type { LocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { settingsFor, startLocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { startRewritingProxy } from "../../support/rewritingProxy";
import { seededRandom, syntheticResource } from "../../../emulator/harness/syntheticData";

let environment: LocalEnvironment | undefined;

afterEach(async () => {
  await environment?.stop();
  environment = undefined;
});

describe("fhir-migrate import-payload --post", () => {
  it("writes the bodies of a finished export, submits them to the destination and waits for them", async () => {
    environment = await startLocalEnvironment({
      azurite: {
        connectionString: inject("azuriteConnectionString"),
        blobEndpoint: inject("azuriteBlobEndpoint"),
      },
    });
    const random = seededRandom(9);
    for (let i = 0; i < 25; i++)
      environment.source.store.create(
        syntheticResource(
          i % 2 === 0 ? "Patient" : "Observation",
          `r${i}`,
          "r0",
          random,
          Date.now(),
        ),
      );
    const settings = settingsFor(environment.env());
    const source = createFhirClient(settings.source, settings.http);
    const { statusUrl } = await source.exportKickOff({ isParallel: true });
    while ((await source.exportStatus(statusUrl)).state === "running")
      await new Promise((r) => setTimeout(r, 50));
    const out: string[] = [];
    const code = await main(
      [
        "import-payload",
        "--export-status-url",
        statusUrl,
        "--out",
        join(mkdtempSync(join(tmpdir(), "post-")), "payloads"),
        "--post",
        "--destination",
        environment.destination.baseUrl,
        "--poll-seconds",
        "1",
      ],
      { env: {}, cwd: process.cwd(), stdout: (t) => void out.push(t), stderr: () => {} },
    );
    expect(code).toBe(0);
    expect(out.join("")).toContain("Imported 25 versions from 1 payload(s); 0 rejected.");
    expect(environment.destination.store.count()).toBe(25);
  });

  it("fails when the import reports success without accounting for the files it was sent", async () => {
    environment = await startLocalEnvironment({
      azurite: {
        connectionString: inject("azuriteConnectionString"),
        blobEndpoint: inject("azuriteBlobEndpoint"),
      },
    });
    const random = seededRandom(9);
    for (let i = 0; i < 5; i++)
      environment.source.store.create(
        syntheticResource("Patient", `e${i}`, "e0", random, Date.now()),
      );
    const settings = settingsFor(environment.env());
    const source = createFhirClient(settings.source, settings.http);
    const { statusUrl } = await source.exportKickOff({ isParallel: true });
    while ((await source.exportStatus(statusUrl)).state === "running")
      await new Promise((r) => setTimeout(r, 50));
    const proxy = await startRewritingProxy(environment.destination.baseUrl);
    try {
      proxy.setRewrite((e) =>
        e.method === "GET" && e.url.includes("/_operations/import/") && e.status === 200
          ? { body: JSON.stringify({ ...JSON.parse(e.body), output: [], error: [] }) }
          : undefined,
      );
      const err: string[] = [];
      const code = await main(
        [
          "import-payload",
          "--export-status-url",
          statusUrl,
          "--out",
          join(mkdtempSync(join(tmpdir(), "post-")), "payloads"),
          "--post",
          "--destination",
          proxy.origin,
          "--poll-seconds",
          "1",
        ],
        { env: {}, cwd: process.cwd(), stdout: () => {}, stderr: (t) => void err.push(t) },
      );
      expect(code).toBe(1);
      expect(err.join("")).toMatch(/does not mention 1 of the 1 input file\(s\) it was sent/);
    } finally {
      await proxy.close();
    }
  });

  it("refuses --post without --destination, naming it", async () => {
    const err: string[] = [];
    const code = await main(["import-payload", "--manifest", "x.json", "--out", "y", "--post"], {
      env: {},
      cwd: process.cwd(),
      stdout: () => {},
      stderr: (t) => void err.push(t),
    });
    expect(code).toBe(2);
    expect(err.join("")).toContain("--post needs --destination URL");
  });
});
