import type { PassSnapshot } from "../../src/core/passPlanner";

/** A pass snapshot with nothing in flight and default policy; tests override what they exercise. */
export function passSnapshot(overrides: Partial<PassSnapshot> = {}): PassSnapshot {
  return {
    halted: false,
    haltReason: undefined,
    frontierAtEndDate: false,
    caughtUp: false,
    searchParametersPending: false,
    reindex: "none",
    chunks: [],
    payloads: [],
    watermark: undefined,
    resourcesImported: 0,
    resourcesFailed: 0,
    estimateSeconds: undefined,
    ledger: { ready: [], blocking: 0 },
    repair: { frontier: undefined, chunks: [] },
    policy: {
      maxExportsInFlight: 2,
      payloadCount: 5,
      maxUnprocessedChunks: 4,
      pollIntervalMs: 30_000,
      idlePollMs: 60_000,
      reindexAfterCatchUp: false,
      pause: { enabled: false, startHour: 8, endHour: 17, continueLastImportDuringPause: false },
    },
    ...overrides,
  };
}
