/**
 * The cutover operation end to end (Azurite + two emulators): a migration caught up in its steady
 * mode, a last delta written just before the freeze, then cutover: GO on a clean run, NO-GO naming a
 * destination damaged after the freeze, writes after the freeze reported, the same call twice,
 * cancel, and a crash while proving that resumes.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Environment } from "../../../src/config/settings";
import { CUTOVER_IN_FLIGHT_ALLOWANCE_MS } from "../../../src/core/cutover";
import { cancelCutover, startCutover } from "../../../src/engine/cutover";
import { runCutoverLocally } from "../../../src/local/localCutover";
import { runMigrationLocally, wakeLocalMigration } from "../../../src/local/localMigration";
import { loadStatusReport } from "../../../src/status/loadReport";
import { runVerification } from "../../../src/verify/runVerification";
import type { LocalEnvironment } from "../../../emulator/harness/localEnvironment";
import {
  freshTables,
  scenarioDeps,
  startScenario,
  stopScenarios,
} from "../../support/engineScenario";

afterEach(stopScenarios);

async function setUp() {
  const { env, seed, writeAt } = await startScenario({ jobLatencyMs: 20 });
  seed({
    resources: 60,
    years: 1,
    seed: 5,
    endMs: Date.now() - 120_000,
    updateShare: 0.3,
    deleteShare: 0.1,
  });
  return { env, writeAt };
}

type Scenario = Awaited<ReturnType<typeof setUp>>;

/**
 * A freeze this far back has its writes in flight settled already, as when writes stopped a while
 * before the user called cutover: the drain plans up to it at once instead of waiting out the
 * allowance on real time. The first case freezes at now and waits it out.
 */
const FROZEN_AGO_MS = CUTOVER_IN_FLIGHT_ALLOWANCE_MS + 1_000;

/**
 * Runs `writes` on the source from 1 s before a freeze FROZEN_AGO_MS back (1 ms apart); returns the
 * freeze. Call it before the migration's first export: the source stamps an export job from its
 * clock too, and never stamps a write before its last stamp (these would land after the freeze).
 * The steady mode keeps 10 minutes back, so these writes are left to the cutover.
 */
function writtenBeforePastFreeze({ writeAt }: Scenario, ...writes: (() => void)[]): string {
  const freezeMs = Date.now() - FROZEN_AGO_MS;
  writes.forEach((write, i) => writeAt(freezeMs - 1_000 + i, write));
  return new Date(freezeMs).toISOString();
}

function depsFor(env: LocalEnvironment, overrides: Environment = {}) {
  return scenarioDeps(env, freshTables("c", "cut"), {
    overrides: {
      AZURE_ExportWithHistory: "true",
      AZURE_ExportWithDelete: "true",
      // The steady mode keeps 10 minutes back: the delta before the freeze is left to the cutover.
      AZURE_SafetyLagSeconds: "600",
      ...overrides,
    },
    log: () => {},
  });
}

/**
 * A delta the steady mode does not copy, a steady migration up to its cap, and the freeze: the
 * delta written FROZEN_AGO_MS back before the migration, or with `freezeNow` written after it and
 * the freeze at this instant (the drain then waits the in-flight allowance).
 */
async function caughtUpWithDelta(scenario: Scenario, options: { freezeNow?: boolean } = {}) {
  const { env } = scenario;
  const deps = depsFor(env);
  const create = () =>
    env.source.store.create({ resourceType: "Patient", id: "delta-1", active: true });
  const update = () =>
    env.source.store.update({ resourceType: "Patient", id: "delta-1", active: false });
  const pastFreeze = options.freezeNow
    ? undefined
    : writtenBeforePastFreeze(scenario, create, update);
  const steady = await runMigrationLocally(deps, { input: { stopWhenCaughtUp: true } });
  expect(steady.output).toMatchObject({ outcome: "caught-up" });
  if (pastFreeze !== undefined) return { deps, freeze: pastFreeze };
  // The source stamps writes from its clock, never before its last stamp: the delta is written now.
  create();
  update();
  await new Promise((r) => setTimeout(r, 5));
  const freeze = new Date().toISOString();
  return { deps, freeze };
}

// Each case migrates, drains, waits for the ledger and proves: about 10 s on a loaded machine.
describe("cutover", { timeout: 120_000 }, () => {
  it("copies the delta up to the freeze and ends GO with the evidence", async () => {
    const scenario = await setUp();
    const { env } = scenario;
    const { deps, freeze } = await caughtUpWithDelta(scenario, { freezeNow: true });
    const result = await runCutoverLocally(deps, freeze);
    expect(result.outcome).toMatchObject({ outcome: "cutover-decided" });
    expect(result.cutover?.phase).toBe("GO");
    const evidence = result.cutover!.verdict!.evidence;
    expect(evidence.versionsCompared).toBe(
      env.source.store.allVersions().filter((v) => v.resourceType !== "SearchParameter").length,
    );
    expect(evidence).toMatchObject({ missing: 0, different: 0, postFreezeWrites: 0 });
    await expect(deps.destination.vread("Patient", "delta-1", "2")).resolves.toMatchObject({
      found: true,
    });
    expect(result.cutover!.verdict!.windowSeconds).toBeGreaterThanOrEqual(5);
    const status = await loadStatusReport(deps);
    expect(status.cutover).toMatchObject({ phase: "GO", freeze });
    expect(status.cutover!.lines.join("\n")).toContain("cutover window (freeze to verdict)");
    expect(deps.telemetry.named("Cutover").map((e) => e.properties.Phase)).toEqual([
      "requested",
      "proving",
      "GO",
    ]);
    // Said before the proof started: what it compares (the whole timeline: no earlier proof).
    expect(result.cutover?.proofEstimate).toMatchObject({
      versions: env.source.store.allVersions().length,
      since: null,
      seconds: expect.any(Number),
    });
  });

  it("ends NO-GO naming a version damaged on the destination after the freeze", async () => {
    const scenario = await setUp();
    const { env } = scenario;
    const { deps, freeze } = await caughtUpWithDelta(scenario);
    const victim = env.destination.store.allVersions().find((v) => v.resourceType === "Patient")!;
    const result = await runCutoverLocally(deps, freeze, {
      wrapActivity: async (name, call) => {
        if (name === "ProveCutover")
          env.destination.store.hardDelete(victim.resourceType, victim.id);
        return call();
      },
    });
    expect(result.cutover?.phase).toBe("NO-GO");
    const verdict = result.cutover!.verdict!;
    expect(verdict.evidence.missing).toBeGreaterThan(0);
    expect(verdict.problems.join("\n")).toContain(`Patient/${victim.id}`);
    expect(verdict.actions.length).toBeGreaterThan(0);
  });

  it("reports source writes after the freeze and does not copy them", async () => {
    const scenario = await setUp();
    const { env } = scenario;
    const { deps, freeze } = await caughtUpWithDelta(scenario);
    env.source.store.create({ resourceType: "Patient", id: "late-1", active: true });
    const result = await runCutoverLocally(deps, freeze);
    expect(result.cutover?.phase).toBe("NO-GO");
    expect(result.cutover!.verdict!.evidence.postFreezeWrites).toBe(1);
    expect(result.cutover!.verdict!.problems[0]).toContain("after the freeze");
    await expect(deps.destination.vread("Patient", "late-1", "1")).resolves.toMatchObject({
      found: false,
    });
  });

  it("answers the stored GO when called again with the same freeze, saying it repeats it", async () => {
    const scenario = await setUp();
    const { deps, freeze } = await caughtUpWithDelta(scenario);
    const first = await runCutoverLocally(deps, freeze);
    const second = await runCutoverLocally(deps, freeze);
    expect(second.request).toBe("unchanged");
    expect(second.cutover).toEqual(first.cutover);
    expect(second.cutover?.attempts).toBe(1);
    expect(second.note).toMatch(
      new RegExp(
        `^repeats the GO proven at ${first.cutover!.decidedAt!.replace(/\./g, "\\.")} .*counted again now: no version stamped after the freeze, and \\d+ source and \\d+ destination versions before it, as when it was proven$`,
      ),
    );
  });

  it("proves a GO again when the destination lost a version since, and names it", async () => {
    const scenario = await setUp();
    const { env } = scenario;
    const { deps, freeze } = await caughtUpWithDelta(scenario);
    expect((await runCutoverLocally(deps, freeze)).cutover?.phase).toBe("GO");
    // One version of a resource the steady mode copied long before the freeze goes missing.
    const victim = env.destination.store
      .allVersions()
      .find(
        (v) =>
          v.resourceType === "Patient" &&
          v.id !== "delta-1" &&
          env.destination.store.history(v.resourceType, v.id).length === 1,
      )!;
    env.destination.store.hardDelete(victim.resourceType, victim.id);
    const again = await runCutoverLocally(deps, freeze);
    expect(again.request).toBe("started");
    expect(again.note).toMatch(
      /^proving the GO again: the versions stamped before the freeze changed/,
    );
    expect(again.cutover?.phase).toBe("NO-GO");
    expect(again.cutover!.verdict!.problems.join("\n")).toContain(`Patient/${victim.id}`);
  });

  it("reports writes that came after its GO when called again with the same freeze", async () => {
    const scenario = await setUp();
    const { env } = scenario;
    const { deps, freeze } = await caughtUpWithDelta(scenario);
    expect((await runCutoverLocally(deps, freeze)).cutover?.phase).toBe("GO");
    env.source.store.create({ resourceType: "Patient", id: "after-go", active: true });
    const again = await runCutoverLocally(deps, freeze);
    expect(again.request).toBe("started");
    expect(again.cutover?.phase).toBe("NO-GO");
    expect(again.cutover!.verdict!.evidence.postFreezeWrites).toBe(1);
    await expect(deps.destination.vread("Patient", "after-go", "1")).resolves.toMatchObject({
      found: false,
    });
  });

  it("refuses another freeze while one is in progress, and cancels back to the steady mode", async () => {
    const scenario = await setUp();
    const { deps, freeze } = await caughtUpWithDelta(scenario);
    await startCutover(deps, freeze);
    const other = new Date(Date.parse(freeze) - 1000).toISOString();
    await expect(startCutover(deps, other)).resolves.toMatchObject({ kind: "refused" });
    await expect(cancelCutover(deps)).resolves.toMatchObject({ phase: "cancelled" });
    const steady = await runMigrationLocally(deps, { input: { stopWhenCaughtUp: true } });
    expect(steady.output).toMatchObject({ outcome: "caught-up" });
    // The steady cap (10 minutes back) left the delta alone: cancelling went back to it.
    await expect(deps.destination.vread("Patient", "delta-1", "1")).resolves.toMatchObject({
      found: false,
    });
  });

  it("resumes after a crash while proving and still ends GO", async () => {
    const scenario = await setUp();
    const { deps, freeze } = await caughtUpWithDelta(scenario);
    class Crash extends Error {}
    let crashed = false;
    await expect(
      runCutoverLocally(deps, freeze, {
        isCrash: (e) => e instanceof Crash,
        wrapActivity: async (name, call) => {
          if (name === "ProveCutover" && !crashed) {
            crashed = true;
            await deps.state.cutover.change((r) =>
              r === undefined ? undefined : { ...r, phase: "proving", proofRunId: "vcrashed-run" },
            );
            throw new Crash("process died while proving");
          }
          return call();
        },
      }),
    ).rejects.toThrow("process died while proving");
    expect((await deps.state.cutover.get())?.phase).toBe("proving");
    const resumed = await runCutoverLocally(deps, freeze);
    expect(resumed.request).toBe("unchanged");
    expect(resumed.cutover?.phase).toBe("GO");
    expect(resumed.cutover?.verdict?.evidence.verificationRunId).toBe("vcrashed-run");
  });
});

/** The same settings with AZURE_LedgerRecheckSeconds changed (it shapes no planning). */
function withRecheck<S extends { verification: { ledgerRecheckMs: number } }>(
  settings: S,
  seconds: number,
): S {
  return {
    ...settings,
    verification: { ...settings.verification, ledgerRecheckMs: seconds * 1000 },
  };
}

describe("cutover proof", () => {
  it("waits for the ledger up to the freeze, counting skipped stretches at once, and lists it in GO's evidence", async () => {
    const scenario = await setUp();
    const { deps, freeze } = await caughtUpWithDelta(scenario);
    // A second steady run finds nothing new up to its cap: a skipped stretch, pending for an hour.
    await runMigrationLocally(deps, { input: { stopWhenCaughtUp: true } });
    const result = await runCutoverLocally(deps, freeze);
    expect(result.cutover?.phase).toBe("GO");
    const ledger = result.cutover!.verdict!.evidence.ledger!;
    expect(ledger.skipped).toBeGreaterThan(0);
    expect(ledger).toMatchObject({ open: 0, unreconciled: 0, missing: 0 });
    expect(ledger.reconciled).toBe(ledger.entries);
    for await (const e of deps.state.ledger().listAll()) {
      if (Date.parse(e.since) < Date.parse(freeze)) expect(e.status).toBe("reconciled");
    }
  }, 120_000);

  it("ends NO-GO naming a ledger entry the destination lost versions of", async () => {
    const scenario = await setUp();
    const { env } = scenario;
    const { deps: steady, freeze } = await caughtUpWithDelta(scenario);
    const deps = { ...steady, settings: withRecheck(steady.settings, 0) };
    const short = await runCutoverLocally(deps, freeze, {
      wrapActivity: async (name, call) => {
        // The destination loses the delta's versions before the ledger counts them, each time
        // (ProveCutover counts the entries that are ready when the proof can start).
        if (name === "ReconcileLedger" || name === "ProveCutover")
          env.destination.store.hardDelete("Patient", "delta-1");
        return call();
      },
    });
    expect(short.cutover?.phase).toBe("NO-GO");
    const verdict = short.cutover!.verdict!;
    expect(verdict.evidence.ledger?.unreconciled).toBe(1);
    expect(verdict.problems.join("\n")).toMatch(
      /ledger window \[[^)]+\) unreconciled: 2 version\(s\) missing/,
    );
    expect(verdict.actions.join("\n")).toContain("section 10");

    // The user puts the versions back (as a re-migration of the range would) and calls cutover
    // again with the same freeze: the entry is counted again, reconciled, and the verdict is GO.
    for (const v of env.source.store.history("Patient", "delta-1")) {
      env.destination.store.insertVersion({ ...v, text: v.text });
    }
    const repaired = await runCutoverLocally(steady, freeze);
    expect(repaired.cutover?.phase).toBe("GO");
    expect(repaired.cutover!.verdict!.evidence.ledger).toMatchObject({ unreconciled: 0, open: 0 });
  }, 120_000);

  it("compares only what changed since the last full proof", async () => {
    const scenario = await setUp();
    const { env } = scenario;
    const deps = depsFor(env);
    const freeze = writtenBeforePastFreeze(scenario, () =>
      env.source.store.create({ resourceType: "Patient", id: "delta-2", active: true }),
    );
    await runMigrationLocally(deps, { input: { stopWhenCaughtUp: true } });
    // The steady mode keeps 10 minutes back: the check is Behind, and proves up to the watermark.
    const check = await runVerification(deps, { checks: ["full"] });
    expect(check.full).toMatchObject({ verdict: "Behind", totals: { missing: 0, different: 0 } });
    const proof = await deps.state.fullProof.get();
    const { watermark } = await deps.state.getCursor();
    expect(proof).toMatchObject({ wholeRunId: check.runId, provenUntil: watermark });
    const result = await runCutoverLocally(deps, freeze);
    expect(result.cutover?.phase).toBe("GO");
    const evidence = result.cutover!.verdict!.evidence;
    expect(evidence.proof).toMatchObject({
      kind: "since-last-proof",
      lastProof: { wholeRunId: check.runId, provenUntil: proof!.provenUntil },
    });
    const since = Date.parse(evidence.proof!.since);
    expect(since).toBe(Date.parse(proof!.provenUntil) - deps.settings.chunking.safetyLagMs);
    const changed = env.source.store
      .allVersions()
      .filter((v) => v.resourceType !== "SearchParameter" && v.lastUpdatedMs >= since);
    expect(evidence.versionsCompared).toBe(changed.length);
    // The GO extends the proof: the next cutover starts after it.
    await expect(deps.state.fullProof.get()).resolves.toMatchObject({
      runId: evidence.verificationRunId,
      incrementalRuns: 1,
    });
  }, 120_000);
});

describe("cutover wakes a running migration", () => {
  it("a continuous migration asleep on its idle poll starts the cutover at once when woken", async () => {
    const scenario = await setUp();
    const { env } = scenario;
    const deps = depsFor(env, { AZURE_IdlePollMinutes: "60" });
    const freeze = writtenBeforePastFreeze(scenario, () =>
      env.source.store.create({ resourceType: "Patient", id: "delta-3", active: true }),
    );
    let idle = false;
    const running = runMigrationLocally(deps, {
      onStatus: (s) => (idle ||= s.phase === "caught-up"),
    });
    while (!idle) await new Promise((r) => setTimeout(r, 50));
    await startCutover(deps, freeze);
    expect(wakeLocalMigration()).toBe(true);
    // Without the wake event it would sleep an hour: the run ends with the verdict well before.
    const result = await running;
    expect(result.output).toMatchObject({ outcome: "cutover-decided" });
    expect((await deps.state.cutover.get())?.phase).toBe("GO");
  }, 120_000);
});
