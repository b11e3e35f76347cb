/**
 * The ledger after the catch-up (docs/architecture.md, "Ledger"): how many entries the run wrote,
 * that none is unreconciled, and what reconciling one costs in requests to each server. The cost is
 * measured by counting again a sample of the run's entries (set back to pending) through counting
 * FHIR clients, so every request is attributed to its entry; nothing else runs meanwhile.
 */
import type { LedgerEntry } from "../src/core/ledger";
import { reconcileLedger } from "../src/engine/activities/reconcileLedger";
import type { EngineDeps } from "../src/engine/deps";
import type { FhirClient } from "../src/fhir/types";
import type { Row } from "./report";

/** Entries of each kind counted again to measure the requests per entry. */
const SAMPLE = 50;

export interface LedgerBenchResult {
  entries: number;
  windows: number;
  skipped: number;
  reconciled: number;
  pending: number;
  unreconciled: number;
  sampledWindows: number;
  sampledSkipped: number;
  /** Mean units a sampled window is judged in (per type, plus the rest and SearchParameter in system mode). */
  windowUnits: number;
  /** Mean requests per reconciled entry, per server. */
  windowSourceRequests: number;
  windowDestinationRequests: number;
  skippedSourceRequests: number;
  skippedDestinationRequests: number;
}

function counting(client: FhirClient): { client: FhirClient; calls: () => number } {
  let calls = 0;
  const proxy = new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { client: proxy, calls: () => calls };
}

async function requestsFor(
  deps: EngineDeps,
  entries: readonly LedgerEntry[],
): Promise<{ source: number; destination: number }> {
  const ledger = deps.state.ledger();
  const source = counting(deps.source);
  const destination = counting(deps.destination);
  const measured = { ...deps, source: source.client, destination: destination.client };
  // All set back first, so contiguous skipped stretches are counted together as in a live run;
  // the seal holds them (src/core/ledgerSeal.ts) and is forgotten first.
  await ledger.unseal();
  for (const entry of entries)
    await ledger.change(entry.since, (e) => ({ ...e, status: "pending", checks: 0 }));
  for (const entry of entries) await reconcileLedger(measured, { since: entry.since });
  const n = Math.max(1, entries.length);
  return { source: source.calls() / n, destination: destination.calls() / n };
}

export async function benchmarkLedger(deps: EngineDeps): Promise<LedgerBenchResult> {
  const entries: LedgerEntry[] = [];
  for await (const e of deps.state.ledger().listAll()) entries.push(e);
  const windows = entries.filter((e) => e.kind === "window" && e.status === "reconciled");
  // Skipped stretches wait SKIPPED_SETTLE_MS before they are counted; counted here at once.
  const skipped = entries.filter((e) => e.kind === "skipped" && e.status !== "unreconciled");
  const sampleW = windows.slice(0, SAMPLE);
  const sampleS = skipped.slice(0, SAMPLE);
  const w = await requestsFor(deps, sampleW);
  const s = await requestsFor(deps, sampleS);
  let units = 0;
  for (const e of sampleW) units += (await deps.state.ledger().get(e.since))?.counts.length ?? 0;
  return {
    entries: entries.length,
    windows: entries.filter((e) => e.kind === "window").length,
    skipped: entries.filter((e) => e.kind === "skipped").length,
    reconciled: entries.filter((e) => e.status === "reconciled").length,
    pending: entries.filter((e) => e.status !== "reconciled" && e.status !== "unreconciled").length,
    unreconciled: entries.filter((e) => e.status === "unreconciled").length,
    sampledWindows: sampleW.length,
    sampledSkipped: sampleS.length,
    windowUnits: units / Math.max(1, sampleW.length),
    windowSourceRequests: w.source,
    windowDestinationRequests: w.destination,
    skippedSourceRequests: s.source,
    skippedDestinationRequests: s.destination,
  };
}

export function ledgerRows(r: LedgerBenchResult): Row[] {
  const b = "6 Ledger";
  return [
    {
      benchmark: b,
      figure: "unreconciled entries after the catch-up",
      value: r.unreconciled,
      unit: "entries",
      shown: String(r.unreconciled),
      target: { kind: "max", value: 0, text: "0" },
      note: `${r.entries} entries (${r.windows} windows, ${r.skipped} skipped stretches): ${r.reconciled} reconciled, ${r.pending} pending`,
    },
    {
      benchmark: b,
      figure: "requests per window entry (source + destination)",
      value: r.windowSourceRequests + r.windowDestinationRequests,
      unit: "requests",
      shown: `${r.windowSourceRequests.toFixed(2)} + ${r.windowDestinationRequests.toFixed(2)}`,
      // One count per unit on each server: per type the export listed, SearchParameter and the
      // total (system mode; the rest unit is the total less the others, no query of its own).
      target: {
        kind: "max",
        value: 2 * r.windowUnits,
        text: `≤ ${r.windowUnits.toFixed(2)} + ${r.windowUnits.toFixed(2)} (one per unit)`,
      },
      note: `mean over ${r.sampledWindows} reconciled windows counted again, judged in ${r.windowUnits.toFixed(2)} units each (per type, the rest, SearchParameter)`,
    },
    {
      benchmark: b,
      figure: "requests per skipped stretch (source + destination)",
      value: r.skippedSourceRequests + r.skippedDestinationRequests,
      unit: "requests",
      shown:
        r.sampledSkipped === 0
          ? "no skipped stretch"
          : `${r.skippedSourceRequests.toFixed(2)} + ${r.skippedDestinationRequests.toFixed(2)}`,
      note: `mean over ${r.sampledSkipped} skipped stretches counted again; contiguous ones share one source query (batches of up to 100)`,
    },
  ];
}
