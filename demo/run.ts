/**
 * `npm run demo`: the whole migration on this machine, no Azure account. Azurite for storage, an
 * Azure API for FHIR emulator as the source and an AHDS emulator as the destination, both on the same
 * staging account. Seeds years of synthetic data, migrates it while new data keeps arriving, then
 * proves the copy with the product's own verification: the surface check and the full check, which
 * compares every version of every resource on both servers (docs/verification.md).
 */
import { Command, InvalidArgumentError } from "commander";
import { createEngineDeps } from "../src/engine/createDeps";
import type { MigrationStatus } from "../src/engine/migrationOrchestrator";
import { runMigrationLocally } from "../src/local/localMigration";
import { InMemoryTelemetry } from "../src/telemetry/telemetry";
import { startLocalEnvironment, settingsFor } from "../emulator/harness/localEnvironment";
import {
  customSearchParameter,
  generateOperations,
  seededRandom,
  syntheticResource,
} from "../emulator/harness/syntheticData";
import { formatVerificationReport } from "../src/verify/format";
import { runVerification } from "../src/verify/runVerification";
import { serveStatus } from "../src/status/server";
import { longDecimalPositions, seedLongDecimal, uploadAnonymizationConfig } from "./decimals";
import { cosmosPageSummary, injectCosmosPages, injectRandomFaults, stopFaults } from "./faults";
import { demoCutover } from "./cutover";
import { judgeTampering, tamper } from "./tamper";
import { stopWithParent } from "../emulator/lifetime";

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a whole number ≥ 1, got ${JSON.stringify(value)}`);
  return n;
}

interface DemoOptions {
  faults?: number;
  tamper?: number;
  cutover: boolean;
  decimals: number;
  deidentify: boolean;
  resources: number;
  years: number;
  seed: number;
  keep: boolean;
  writeSeconds: number;
  emptyPages: number;
}

function parseArgs(argv: string[]): DemoOptions {
  const program = new Command("npm run demo --")
    .description(
      "Migrate synthetic FHIR data between two local emulators and prove the copy is complete.",
    )
    .option(
      "--resources <n>",
      "resources to seed on the source (each with its versions: updates and soft deletes)",
      positiveInt,
      4000,
    )
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
      "seed N Observations with a quantity of 1e18 or more (alternately from 1e18 up to 1e20 and beyond), which the destination cannot index (each fails its whole import job): they are kept out and recorded as failed",
      (v) => Number(v),
      0,
    )
    .option(
      "--faults <rate>",
      "inject random faults (429, 503, resets, 401) into a share of all requests on both servers, e.g. 0.05",
      (v) => Number(v),
    )
    .option(
      "--empty-pages <rate>",
      "share of the source's search pages answered empty (and as many partial) while still carrying next, as Azure API for FHIR does; 0 turns it off",
      (v) => Number(v),
      0.1,
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
    .option(
      "--cutover",
      "once writes stop, run the cutover operation and print GO (with --tamper: damage after the freeze, NO-GO)",
      false,
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
  // Ctrl+C, SIGTERM or `kill` of `npm run demo` stops the servers and their Azurite too.
  stopWithParent(
    () => environment.stop(),
    (why) => log(`stopping the servers (${why})`),
  );
  try {
    const endMs = Date.now() - 120_000;
    const operations = generateOperations({
      resources: options.resources,
      years: options.years,
      seed: options.seed,
      endMs,
    });
    log(
      `seeding ${options.resources} resources over ${options.years} years: ${operations.length} versions (creates, updates and soft deletes), seed ${options.seed}`,
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
        // The shipped self-staging threshold (the test environment turns it off for export tests).
        AZURE_SelfStageMaxVersions: undefined,
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
    injectCosmosPages(environment.source, options.emptyPages);
    if (options.emptyPages > 0) {
      log(
        `the source answers about ${Math.round(options.emptyPages * 100)} % of its search pages empty and as many partial, with next`,
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
        `${s.phase.padEnd(9)} watermark ${s.watermark ?? "-"}  exports ${s.exportsInFlight}  imports ${s.importsInFlight}  versions imported ${s.resourcesImported}${eta}`,
      );
    };
    log(`migrating while new data arrives for ${options.writeSeconds}s`);
    await runMigrationLocally(deps, { onStatus, shouldStop: () => Date.now() > writeUntil });
    clearInterval(writer);
    if (options.cutover) {
      log(`writes stopped (${written} live writes)`);
      const code = await demoCutover(deps, environment, options, log);
      log(cosmosPageSummary(environment.source));
      await statusPage.close();
      return code;
    }
    log(`writes stopped (${written} live writes); catching up`);
    // Like the timer restarting it: a fresh run that ends once caught up.
    await new Promise((r) => setTimeout(r, settings.chunking.safetyLagMs + 100));
    const result = await runMigrationLocally(deps, { onStatus, input: { stopWhenCaughtUp: true } });
    log(`migration run ended: ${JSON.stringify(result.output)}`);

    const cursor = await deps.state.getCursor();
    let chunks = 0;
    for await (const _ of deps.state.listAllChunks()) chunks++;
    log(cosmosPageSummary(environment.source));
    if (options.faults !== undefined) {
      log(stopFaults(environment.source, environment.destination));
      // The checks below still page through a Cosmos store.
      injectCosmosPages(environment.source, options.emptyPages);
    }
    const seconds = Math.round((Date.now() - started) / 1000);
    log(
      `${chunks} export chunk(s), ${cursor.resourcesImported} versions imported, ${cursor.resourcesFailed} failed, ${seconds}s in all`,
    );
    // Without de-identified export the destination refuses the long decimals: exactly those must
    // be recorded as failed resources with the server's reason, and nothing else, with no halt.
    const expectedRefused = options.deidentify
      ? new Set<string>()
      : new Set(longDecimals.map((id) => `Observation/${id}/1`));
    const refused: string[] = [];
    for await (const f of deps.state.listFailedResources()) {
      refused.push(`${f.resourceType}/${f.id}/${f.isolated?.version ?? "?"}`);
      if (expectedRefused.size > 0)
        log(
          `  recorded as failed: ${f.resourceType}/${f.id} version ${f.isolated?.version ?? "?"}: ${f.reason} (line ${f.isolated?.line ?? "?"} of ${f.inputUrl})`,
        );
    }
    const refusedExactly =
      refused.length === expectedRefused.size && refused.every((k) => expectedRefused.has(k));
    const halted = (result.output as { outcome?: string } | undefined)?.outcome === "halted";
    if (options.decimals > 0) {
      log(
        options.deidentify
          ? `${longDecimals.length} long decimal(s) were shortened by the anonymization config and imported`
          : refusedExactly
            ? `${refused.length} resource(s) with a quantity of 1e18 or more (from 1e18 up to 1e20, and beyond) the destination cannot hold: kept out of the import and recorded as failed, exactly the ones seeded; no halt`
            : `FAIL: ${refused.length} resource(s) recorded as failed, ${expectedRefused.size} expected`,
      );
    }

    const tampering =
      options.tamper === undefined
        ? undefined
        : tamper(environment.source, environment.destination, options.tamper, options.seed);
    if (tampering !== undefined) {
      log(
        `tampered: changed ${tampering.changed.length} destination resource(s), removed one there, hard-deleted one on the source`,
      );
    }
    log("verifying: surface check, and the full check of every version of every resource");
    const verifyStarted = Date.now();
    let lastProgress = 0;
    const report = await runVerification(deps, {
      checks: ["surface", "full"],
      seed: String(options.seed),
      // Two cores run the checker, both emulators and Azurite: more units at once only add memory.
      concurrency: 4,
      unitVersions: 50_000,
      onStatus: (s) => {
        const f = s.full;
        if (s.phase !== "full" || f === undefined || Date.now() - lastProgress < 5000) return;
        lastProgress = Date.now();
        log(
          `full check: ${f.unitsDone}/${f.units} units, ${f.versionsDone}/${f.versions} versions`,
        );
      },
    });
    process.stdout.write(`${formatVerificationReport(report)}\n`);
    const full = report.full;
    if (full === null || full === undefined) throw new Error("the report has no full check");
    const verifySeconds = (Date.now() - verifyStarted) / 1000;
    log(
      `verified ${full.totals.source} source versions in ${Math.round(verifySeconds)}s (${Math.round(full.totals.source / Math.max(verifySeconds, 0.001))} versions/s, ${full.units} units)`,
    );
    // With de-identified export, the long decimals arrive shortened by design: those differences are expected.
    const expectedDifferences = options.deidentify
      ? new Set(longDecimals.map((id) => `Observation/${id}`))
      : new Set<string>();
    const onlyExpected =
      expectedDifferences.size > 0 &&
      report.surface?.verdict === "Pass" &&
      full.errors.length === 0 &&
      full.totals.missing === 0 &&
      full.totals.extra === 0 &&
      full.totals.different <= expectedDifferences.size &&
      full.examples.every((e) => expectedDifferences.has(`${e.type}/${e.id}`));
    if (onlyExpected)
      log(
        `the full check differs only where the anonymization config changed the data (${full.totals.different} version(s))`,
      );
    // Refused resources are "known, not migrated": the full check counts them apart, not as missing.
    const listedKnown = report.knownFailures?.total ?? 0;
    if (expectedRefused.size > 0)
      log(
        listedKnown === expectedRefused.size
          ? `the verification lists the ${listedKnown} refused resource(s) as known failures`
          : `FAIL: the verification lists ${listedKnown} known failure(s), ${expectedRefused.size} expected`,
      );
    const knownExactly =
      full.totals.known === expectedRefused.size && listedKnown === expectedRefused.size;
    let ok =
      !halted &&
      refusedExactly &&
      knownExactly &&
      cursor.resourcesFailed === expectedRefused.size &&
      (report.passed || onlyExpected);
    log(
      !ok
        ? "FAIL: the destination differs from the source"
        : expectedRefused.size > 0
          ? `PASS: every version on the source is on the destination, except the ${expectedRefused.size} recorded as refused`
          : report.passed
            ? "PASS: every version on the source is on the destination, equal"
            : "PASS: every version on the source is on the destination; the only differences are the de-identified ones",
    );
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
