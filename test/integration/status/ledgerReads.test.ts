/**
 * What one status build reads of the ledger does not grow with the ledger: after a migration with
 * many windows and one with several times more, a build reads no more ledger entities, because the
 * reconciled entries are sealed into one row (src/core/ledgerSeal.ts; docs/status.md, "What one
 * build reads"). The page's ledger totals are those of reading every entry.
 */
import { describe, expect, it } from "vitest";
import type { LedgerEntry } from "../../../src/core/ledger";
import { SKIPPED_SETTLE_MS } from "../../../src/core/ledger";
import type { EngineDeps } from "../../../src/engine/deps";
import { LedgerTally } from "../../../src/status/ledgerOverview";
import { loadStatusState } from "../../../src/status/statusState";
import { entitiesRead } from "../../support/tableReads";
import type { ResilienceEnvironment } from "../resilience/harness";
import {
  depsFor,
  expectEveryVersionCopied,
  migrate,
  startResilienceEnvironment,
  useOwnAzurite,
} from "../resilience/harness";

const azurite = useOwnAzurite();

/** Windows of a few versions each, so a small source makes many entries. */
const SMALL_WINDOWS = {
  AZURE_LedgerRecheckSeconds: "30",
  AZURE_ChunkLimit: "6",
  AZURE_ChunkTargetResources: "6",
};

/** Writes `count` Patient versions, one every `stepMs`, from `fromMs` on (straight into the store). */
function writeVersions(
  environment: ResilienceEnvironment,
  prefix: string,
  fromMs: number,
  count: number,
  stepMs: number,
): void {
  for (let i = 0; i < count; i++) {
    const at = fromMs + i * stepMs;
    const id = `${prefix}-${i}`;
    environment.source.store.insertVersion({
      resourceType: "Patient",
      id,
      version: 1,
      lastUpdatedMs: at,
      deleted: false,
      writeMethod: "POST",
      text: JSON.stringify({
        resourceType: "Patient",
        id,
        meta: { versionId: "1", lastUpdated: new Date(at).toISOString() },
      }),
    });
  }
}

/**
 * Migrates what the source holds, then lets the skipped stretches settle and migrates again, so
 * the ledger is reconciled up to its last idle stretches, as a long-running migration's is.
 */
async function migrateAndSettle(environment: ResilienceEnvironment, deps: EngineDeps) {
  const run = await migrate(environment, deps);
  expect(run.output).toMatchObject({ outcome: "caught-up" });
  await environment.clock.sleepUntil(environment.clock.now() + SKIPPED_SETTLE_MS + 60_000);
  await migrate(environment, deps);
}

async function everyEntry(deps: EngineDeps): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  for await (const e of deps.state.ledger().listAll()) entries.push(e);
  return entries;
}

/** The status build's ledger, the ledger entities it read, and the report of reading every entry. */
async function statusLedger(deps: EngineDeps) {
  let state: Awaited<ReturnType<typeof loadStatusState>> | undefined;
  const read = await entitiesRead(
    async () => {
      state = await loadStatusState(deps);
    },
    (partition) => partition.endsWith("-ledger"),
  );
  const ledger = state!.ledger;
  const everything = new LedgerTally(state!.cursor.startWatermark, state!.cursor.frontier);
  for (const e of await everyEntry(deps)) everything.add(e);
  return { ledger, read, everything: everything.result() };
}

/** What the page shows of the ledger, but how much of it was read one by one. */
function shown(report: Awaited<ReturnType<typeof statusLedger>>["ledger"]) {
  return {
    ...report,
    entriesRead: undefined,
    sealedUntil: undefined,
    slices: report.slices.map((s) => s.state),
  };
}

describe("a status build's ledger reads", { timeout: 600_000 }, () => {
  it("do not grow with the number of ledger entries, and the totals are those of every entry", async () => {
    const environment = await startResilienceEnvironment({ azurite: azurite() });
    try {
      environment.seed(25);
      const deps = depsFor(environment, "ledgerreads", SMALL_WINDOWS);
      await migrateAndSettle(environment, deps);
      const first = await statusLedger(deps);
      expect(first.ledger.windows).toBeGreaterThanOrEqual(8);
      expect(first.ledger.sealedUntil).not.toBeNull();
      expect(shown(first.ledger)).toEqual(shown(first.everything));

      // Three times as many versions again, after the frontier: three times as many windows more.
      const from = environment.clock.now() + 60_000;
      await environment.clock.sleepUntil(from + 3 * 3_600_000);
      const versions = first.ledger.windows * 3 * 6;
      writeVersions(environment, "later", from, versions, Math.floor(3_600_000 / versions));
      await migrateAndSettle(environment, deps);
      await expectEveryVersionCopied(deps);
      const second = await statusLedger(deps);
      expect(second.ledger.windows).toBeGreaterThanOrEqual(3 * first.ledger.windows);
      expect(shown(second.ledger)).toEqual(shown(second.everything));
      expect(second.ledger.unreconciled).toBe(0);
      expect(second.ledger.reconciled).toBeGreaterThan(second.ledger.entriesRead);

      expect(first.read).toBeGreaterThan(0);
      expect(second.read).toBeLessThanOrEqual(first.read);
    } finally {
      await environment.stop();
    }
  });
});
