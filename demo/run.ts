/**
 * `npm run demo`: the whole migration on this machine, no Azure account. Azurite for storage, an
 * Azure API for FHIR emulator as the source and an AHDS emulator as the destination, both on the same
 * staging account. Seeds years of synthetic data, migrates it while new data keeps arriving, then
 * checks every version on the source is on the destination through both servers' history.
 */
import { Command, InvalidArgumentError } from "commander";
import { createEngineDeps } from "../src/engine/createDeps";
import type { MigrationStatus } from "../src/engine/migrationOrchestrator";
import { runMigrationLocally } from "../src/local/localMigration";
import { InMemoryTelemetry } from "../src/telemetry/telemetry";
import { startLocalEnvironment, settingsFor } from "../test/support/localEnvironment";
import {
  customSearchParameter,
  generateOperations,
  seededRandom,
  syntheticResource,
} from "../test/support/syntheticData";
import { compareAllVersions } from "../test/support/compareVersions";
import { formatVerificationReport } from "../src/verify/format";
import { runVerification } from "../src/verify/runVerification";
import { serveStatus } from "../src/status/server";
import { printTable } from "./table";
import { longDecimalPositions, seedLongDecimal, uploadAnonymizationConfig } from "./decimals";
import { injectRandomFaults, stopFaults } from "./faults";
import { judgeTampering, tamper } from "./tamper";

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a whole number ≥ 1, got ${JSON.stringify(value)}`);
  return n;
}

interface DemoOptions {
  faults?: number;
  tamper?: number;
  decimals: number;
  deidentify: boolean;
  resources: number;
  years: number;
  seed: number;
  keep: boolean;
  writeSeconds: number;
}

function parseArgs(argv: string[]): DemoOptions {
  const program = new Command("npm run demo --")
    .description(
      "Migrate synthetic FHIR data between two local emulators and prove the copy is complete.",
    )
    .option("--resources <n>", "resources to seed on the source", positiveInt, 4000)
    .option("--years <y>", "years the seeded data spans", positiveInt, 10)
    .option("--seed <s>", "random seed (the same seed gives the same data)", positiveInt, 1)
    .option(
      "--write-seconds <n>",
      "how long new data keeps arriving during the migration",
      positiveInt,
      15,
    )
    .option("--keep", "leave the servers running afterwards and print their URLs", false)
    .option(
      "--decimals <n>",
      "seed N Observations with a quantity of 1e18 or more, which the destination cannot index (each fails its whole import job): they are isolated and recorded as failed",
      (v) => Number(v),
      0,
    )
    .option(
      "--faults <rate>",
      "inject random faults (429, 503, resets, 401) into a share of all requests on both servers, e.g. 0.05",
      (v) => Number(v),
    )
    .option(
      "--deidentify",
      "export through infra/anonymization/DemoTruncate.json, which shortens those decimals",
      false,
    )
    .option(
      "--tamper <n>",
      "after catch-up, change N destination resources, delete one there and hard-delete one on the source; the checks must report exactly those",
      positiveInt,
    )
    .addHelpText(
      "after",
      "\nExamples:\n  npm run demo\n  npm run demo -- --resources 20000 --years 5 --seed 3\n",
    );
  program.parse(argv, { from: "user" });
  return program.opts<DemoOptions>();
}

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)}  ${message}\n`);
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  // The source's clock is moved through the past while seeding, so versions get historical lastUpdated values.
  let seedingAt: number | undefined;
  const sourceClock = { now: () => seedingAt ?? Date.now() };
  log("starting Azurite and two FHIR emulators (source: Azure API for FHIR, destination: AHDS)");
  const environment = await startLocalEnvironment({
    sourceClock,
    latency: {
      exportFixedMs: 400,
      exportPerResourceMs: 0.02,
      importFixedMs: 400,
      importPerResourceMs: 0.02,
    },
    rollingFileResources: 2000,
  });
  let stopping = false;
  const stop = async () => {
    if (!options.keep) await environment.stop();
  };
  try {
    const endMs = Date.now() - 120_000;
    const operations = generateOperations({
      resources: options.resources,
      years: options.years,
      seed: options.seed,
      endMs,
    });
    log(
      `seeding ${options.resources} resources over ${options.years} years (${operations.length} writes, seed ${options.seed})`,
    );
    const store = environment.source.store;
    // Observations the destination cannot index (--decimals), spread among the seeded writes.
    const decimalsAt = longDecimalPositions(options.decimals, operations.length);
    const longDecimals: string[] = [];
    for (const [j, op] of operations.entries()) {
      seedingAt = op.at;
      const k = decimalsAt.get(j);
      if (k !== undefined) longDecimals.push(seedLongDecimal(store, k));
      if (op.kind === "create") store.create(op.resource);
      else if (op.kind === "update") store.update(op.resource);
      else store.softDelete(op.resourceType, op.id);
    }
    seedingAt = endMs;
    store.create(customSearchParameter());
    seedingAt = undefined;
    if (options.deidentify) await uploadAnonymizationConfig(environment.connectionString);

    const telemetry = new InMemoryTelemetry();
    const settings = settingsFor(
      environment.env({
        AZURE_ExportChunkTime: "180",
        AZURE_ChunkLimit: "4000",
        ...(options.deidentify
          ? { AZURE_IsExportDeidentified: "true", AZURE_ConfigFile: "DemoTruncate.json" }
          : {}),
      }),
    );
    const deps = createEngineDeps(settings, { telemetry, log: () => {} });
    if (options.faults !== undefined) {
      injectRandomFaults(environment.source, environment.destination, options.faults, options.seed);
      log(
        `injecting faults into about ${Math.round(options.faults * 100)} % of all requests on both servers`,
      );
    }
    const statusPage = await serveStatus(deps, 0);
    log(`status page: ${statusPage.url}`);

    // New data keeps arriving during the migration, as in production.
    const random = seededRandom(options.seed + 1000);
    let written = 0;
    const writer = setInterval(() => {
      const n = written++;
      const patientId = `pat-live-${options.seed}-${Math.floor(n / 4)}`;
      const type =
        n % 4 === 0
          ? "Patient"
          : n % 4 === 1
            ? "Observation"
            : n % 4 === 2
              ? "Encounter"
              : "Condition";
      const id =
        type === "Patient"
          ? patientId
          : `${type.toLowerCase().slice(0, 3)}-live-${options.seed}-${n}`;
      store.create(syntheticResource(type, id, patientId, random, Date.now()));
      if (n % 7 === 6)
        store.update({ ...syntheticResource("Patient", patientId, patientId, random, Date.now()) });
    }, 50);
    const writeUntil = Date.now() + options.writeSeconds * 1000;

    let lastPrint = 0;
    const onStatus = (s: MigrationStatus) => {
      if (Date.now() - lastPrint < 2000) return;
      lastPrint = Date.now();
      const eta =
        s.estimateSeconds === undefined ? "" : `, catch-up estimate ${s.estimateSeconds}s`;
      log(
        `${s.phase.padEnd(9)} watermark ${s.watermark ?? "-"}  exports ${s.exportsInFlight}  imports ${s.importsInFlight}  imported ${s.resourcesImported}${eta}`,
      );
    };
    log(`migrating while new data arrives for ${options.writeSeconds}s`);
    await runMigrationLocally(deps, { onStatus, shouldStop: () => Date.now() > writeUntil });
    clearInterval(writer);
    log(`writes stopped (${written} live writes); catching up`);
    // Like the timer restarting it: a fresh run that ends once caught up.
    await new Promise((r) => setTimeout(r, settings.chunking.safetyLagMs + 100));
    const result = await runMigrationLocally(deps, { onStatus, input: { stopWhenCaughtUp: true } });
    log(`migration run ended: ${JSON.stringify(result.output)}`);

    const cursor = await deps.state.getCursor();
    let chunks = 0;
    for await (const _ of deps.state.listAllChunks()) chunks++;
    if (options.faults !== undefined) log(stopFaults(environment.source, environment.destination));
    log("comparing every version on both servers through their _history");
    const { rows, problems } = await compareAllVersions(deps.source, deps.destination);
    printTable(
      [
        "Resource type",
        "Source current",
        "Destination current",
        "Source versions",
        "Destination versions",
        "Missing",
        "Different",
      ],
      rows.map((r) => [
        r.type,
        r.sourceCurrent,
        r.destinationCurrent,
        r.sourceVersions,
        r.destinationVersions,
        r.missing,
        r.different,
      ]),
    );
    const seconds = Math.round((Date.now() - started) / 1000);
    log(
      `${chunks} export chunk(s), ${cursor.resourcesImported} resources imported, ${cursor.resourcesFailed} failed, ${seconds}s in all`,
    );
    for (const p of problems) log(`  ${p}`);
    // With de-identified export, the long decimals arrive shortened by design: those differences are
    // expected. Without it the destination refuses them: exactly those must be missing, each recorded
    // as a failed resource with the server's reason, and nothing else.
    const expectedDifferences = options.deidentify
      ? new Set(longDecimals.map((id) => `Observation/${id}`))
      : new Set<string>();
    const expectedMissing = options.deidentify
      ? new Set<string>()
      : new Set(longDecimals.map((id) => `Observation/${id}/1`));
    const unexpected = problems.filter(
      (p) =>
        ![...expectedDifferences].some((k) => p.startsWith(`differs: ${k}/`)) &&
        !expectedMissing.has(p.replace(/^missing on destination: /, "")),
    );
    const refused: string[] = [];
    for await (const f of deps.state.listFailedResources()) {
      refused.push(`${f.resourceType}/${f.id}/${f.isolated?.version ?? "?"}`);
      if (options.decimals > 0 && !options.deidentify)
        log(
          `  recorded as failed: ${f.resourceType}/${f.id} version ${f.isolated?.version ?? "?"}: ${f.reason} (line ${f.isolated?.line ?? "?"} of ${f.inputUrl})`,
        );
    }
    const refusedExactly =
      refused.length === expectedMissing.size && refused.every((k) => expectedMissing.has(k));
    const missing = rows.reduce((n, r) => n + r.missing, 0);
    const copied =
      unexpected.length === 0 &&
      missing === expectedMissing.size &&
      refusedExactly &&
      cursor.resourcesFailed === expectedMissing.size &&
      (result.output as { outcome?: string } | undefined)?.outcome !== "halted";
    if (options.decimals > 0) {
      log(
        options.deidentify
          ? `${longDecimals.length} long decimal(s) were shortened by the anonymization config and imported`
          : refusedExactly
            ? `${refused.length} resource(s) with a quantity of 1e18 or more refused by the destination: isolated and recorded as failed, exactly the ones seeded; no halt`
            : `FAIL: ${refused.length} resource(s) recorded as failed, ${expectedMissing.size} expected`,
      );
    }
    log(
      copied
        ? expectedMissing.size > 0
          ? `PASS: every version on the source is on the destination, except the ${expectedMissing.size} recorded as refused`
          : "PASS: every version on the source is on the destination"
        : "FAIL: the destination differs from the source",
    );

    const tampering =
      options.tamper === undefined
        ? undefined
        : tamper(environment.source, environment.destination, options.tamper, options.seed);
    if (tampering !== undefined) {
      log(
        `tampered: changed ${tampering.changed.length} destination resource(s), removed one there, hard-deleted one on the source`,
      );
    }
    // With tampering every resource is compared, so the damage cannot hide outside the sample.
    const deepCheckCount = tampering === undefined ? 500 : environment.source.store.count() + 1;
    log(
      `verifying: surface check, deep check of up to ${deepCheckCount} resources, hard-delete reconciliation`,
    );
    const report = await runVerification(deps, {
      checks: ["surface", "deep", "reconcile"],
      deepCheckCount,
      seed: String(options.seed),
    });
    process.stdout.write(`${formatVerificationReport(report)}\n`);
    const deepUnexpected = (report.deep?.failures ?? []).filter(
      (f) => !expectedDifferences.has(`${f.type}/${f.id}`),
    );
    const onlyExpected =
      expectedDifferences.size > 0 &&
      report.surface?.verdict === "Pass" &&
      report.reconcile?.verdict === "Pass" &&
      report.deep !== null &&
      report.deep.errors === 0 &&
      deepUnexpected.length === 0;
    if (onlyExpected)
      log(
        `the deep check differs only where the anonymization config changed the data (${expectedDifferences.size} resources)`,
      );
    const knownListed = (report.knownFailures?.total ?? 0) === expectedMissing.size;
    if (expectedMissing.size > 0)
      log(
        knownListed
          ? `the verification lists the ${expectedMissing.size} refused resource(s) as known failures (not migrated)`
          : `FAIL: the verification lists ${report.knownFailures?.total ?? 0} known failure(s), ${expectedMissing.size} expected`,
      );
    let ok = copied && knownListed && (report.passed || onlyExpected);
    if (tampering !== undefined) {
      const judged = judgeTampering(report, tampering);
      for (const line of judged.lines) log(line);
      log(
        judged.exact
          ? "the checks reported exactly the damage done, and nothing else"
          : "FAIL: the checks did NOT report exactly the damage done",
      );
      // Tampered data is not a good copy: the demo exits non-zero either way, as a real run would.
      ok = false;
    }
    if (!options.keep) await statusPage.close();
    if (options.keep) {
      stopping = true;
      log(
        `servers left running: source ${environment.source.baseUrl}, destination ${environment.destination.baseUrl}, storage ${environment.blobEndpoint}`,
      );
    }
    return ok ? 0 : 1;
  } finally {
    if (!stopping) await stop();
  }
}

main().then(
  (code) => {
    if (code !== 0 || process.argv.includes("--keep") === false) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(
      `demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
