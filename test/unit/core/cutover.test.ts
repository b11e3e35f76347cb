import { describe, expect, it } from "vitest";
import type { CutoverRecord, ProofFacts } from "../../../src/core/cutover";
import type { LedgerEntry } from "../../../src/core/ledger";
import { ALL_TYPES, judgeCount, newLedgerEntry } from "../../../src/core/ledger";
import {
  CUTOVER_IN_FLIGHT_ALLOWANCE_MS,
  cutoverCapMs,
  cutoverPlanningWaitMs,
  cutoverLedgerFacts,
  decideCutoverVerdict,
  formatCutover,
  parseFreeze,
  requestCutover,
} from "../../../src/core/cutover";

const NOW = "2026-12-03T10:05:00.000Z";
const FREEZE = "2026-12-03T10:00:00.000Z";

function record(overrides: Partial<CutoverRecord> = {}): CutoverRecord {
  return {
    phase: "draining",
    freeze: FREEZE,
    requestedAt: NOW,
    drainedAt: undefined,
    decidedAt: undefined,
    cancelledAt: undefined,
    proofRunId: undefined,
    attempts: 0,
    verdict: undefined,
    ...overrides,
  };
}

function facts(overrides: Partial<ProofFacts> = {}): ProofFacts {
  return {
    verificationRunId: "v1",
    freeze: FREEZE,
    surface: { verdict: "Pass", typesPassed: 3, types: 3, failing: [] },
    full: {
      verdict: "Pass",
      source: 100,
      matched: 100,
      missing: 0,
      extra: 0,
      different: 0,
      behind: 0,
      skipped: 0,
      examples: [],
      errors: [],
    },
    postFreezeWrites: 0,
    failedResources: 0,
    windowSeconds: 120,
    ...overrides,
  };
}

describe("parseFreeze", () => {
  it("is now when absent", () => {
    expect(parseFreeze(undefined, () => Date.parse(NOW))).toEqual({ ok: true, freeze: NOW });
  });

  it("normalises an instant with an offset to UTC", () => {
    expect(parseFreeze("2026-12-03T11:00:00+01:00", () => 0)).toEqual({ ok: true, freeze: FREEZE });
  });

  it("refuses an instant without a time zone, naming what it accepts", () => {
    const parsed = parseFreeze("2026-12-03T10:00:00", () => 0);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toContain("with a time zone");
  });

  it.each([
    "2026-02-30T00:00:00Z",
    "2026-02-29T00:00:00Z",
    "2026-12-03T24:00:00Z",
    "2026-12-03T10:60:00Z",
    "2026-12-03T10:00:00+24:00",
  ])("refuses %s, which is not on the calendar, instead of rolling it over", (text) => {
    const parsed = parseFreeze(text, () => 0);
    expect(parsed).toMatchObject({ ok: false });
    expect(!parsed.ok && parsed.message).toMatch(/^freeze: received .*; expected an ISO 8601/);
  });

  it("accepts a leap day", () => {
    expect(parseFreeze("2028-02-29T00:00:00Z", () => 0)).toEqual({
      ok: true,
      freeze: "2028-02-29T00:00:00.000Z",
    });
  });
});

describe("requestCutover", () => {
  it("starts a cutover when none was requested", () => {
    expect(requestCutover(undefined, FREEZE, NOW)).toMatchObject({
      kind: "started",
      record: { phase: "draining", freeze: FREEZE, requestedAt: NOW },
    });
  });

  it("refuses a freeze in the future", () => {
    expect(requestCutover(undefined, "2026-12-03T10:06:00.000Z", NOW).kind).toBe("refused");
  });

  it("leaves the same freeze in progress as it is", () => {
    const existing = record({ phase: "proving", proofRunId: "v1" });
    expect(requestCutover(existing, FREEZE, NOW)).toEqual({ kind: "unchanged", record: existing });
  });

  it("answers a GO stored without counts as stored, saying plainly it is not proven again", () => {
    const existing = record({ phase: "GO", decidedAt: "2026-12-03T10:03:00.000Z" });
    expect(requestCutover(existing, FREEZE, NOW, 0, { source: 9, destination: 9 })).toEqual({
      kind: "unchanged",
      record: existing,
      note: "repeats the GO proven at 2026-12-03T10:03:00.000Z (verification -); not proven again: no counts were stored with it to compare (cancel and call cutover again to prove it anew)",
    });
  });

  describe("a GO asked for again with the same freeze", () => {
    const go = record({
      phase: "GO",
      proofRunId: "v1",
      attempts: 1,
      decidedAt: "2026-12-03T10:03:00.000Z",
      countsAtVerdict: { source: 40, destination: 41 },
    });

    it("is repeated, saying so, when the counts before the freeze are those it was proven with", () => {
      const out = requestCutover(go, FREEZE, NOW, 0, { source: 40, destination: 41 });
      expect(out).toMatchObject({ kind: "unchanged", record: go });
      expect(out.kind !== "refused" && out.note).toBe(
        "repeats the GO proven at 2026-12-03T10:03:00.000Z (verification -); counted again now: no version stamped after the freeze, and 40 source and 41 destination versions before it, as when it was proven",
      );
    });

    it("is proved again over every version when the destination lost a version since", () => {
      const out = requestCutover(go, FREEZE, NOW, 0, { source: 40, destination: 40 });
      expect(out).toMatchObject({
        kind: "started",
        record: { phase: "draining", verdict: undefined, reproveWhole: true, attempts: 1 },
      });
      expect(out.kind !== "refused" && out.note).toContain("destination 41 → 40");
    });
  });

  it("proves a GO again when the source holds writes after the freeze now", () => {
    const existing = record({ phase: "GO", proofRunId: "v1", attempts: 1 });
    expect(requestCutover(existing, FREEZE, NOW, 2)).toMatchObject({
      kind: "started",
      record: { phase: "draining", proofRunId: undefined, verdict: undefined, attempts: 1 },
    });
  });

  it("proves a NO-GO again for the same freeze", () => {
    const out = requestCutover(
      record({ phase: "NO-GO", proofRunId: "v1", attempts: 1 }),
      FREEZE,
      NOW,
    );
    expect(out).toMatchObject({
      kind: "started",
      record: { phase: "draining", proofRunId: undefined, attempts: 1 },
    });
  });

  it("refuses another freeze while one is in progress", () => {
    const out = requestCutover(record(), "2026-12-03T10:01:00.000Z", NOW);
    expect(out.kind).toBe("refused");
  });

  it("starts afresh after a cancel", () => {
    const out = requestCutover(record({ phase: "cancelled" }), "2026-12-03T10:01:00.000Z", NOW);
    expect(out).toMatchObject({ kind: "started", record: { freeze: "2026-12-03T10:01:00.000Z" } });
  });
});

describe("cutoverCapMs", () => {
  const freeze = Date.parse(FREEZE);
  it("is the freeze once the allowance passed, whatever the safety lag", () => {
    expect(cutoverCapMs(freeze - 60_000, freeze, freeze + CUTOVER_IN_FLIGHT_ALLOWANCE_MS)).toBe(
      freeze,
    );
  });

  it("is the steady cap before that", () => {
    expect(cutoverCapMs(freeze - 60_000, freeze, freeze + 1000)).toBe(freeze - 60_000);
  });

  it("stops short of the freeze before the allowance, even when the safety lag is shorter", () => {
    expect(cutoverCapMs(freeze + 1000, freeze, freeze + 1000)).toBe(freeze - 1);
  });
});

describe("cutoverPlanningWaitMs", () => {
  const freeze = Date.parse(FREEZE);
  it("is what is left of the allowance once the freeze passed on the source's clock", () => {
    expect(cutoverPlanningWaitMs(freeze, freeze + 1500)).toBe(
      CUTOVER_IN_FLIGHT_ALLOWANCE_MS - 1500,
    );
  });

  it("is nothing once the allowance passed", () => {
    expect(cutoverPlanningWaitMs(freeze, freeze + CUTOVER_IN_FLIGHT_ALLOWANCE_MS + 1)).toBe(0);
  });

  it("is no wait while the freeze is still ahead of the source's clock", () => {
    expect(cutoverPlanningWaitMs(freeze, freeze - 1)).toBeUndefined();
  });
});

describe("decideCutoverVerdict", () => {
  it("is GO when every version matched and nothing was written after the freeze", () => {
    const v = decideCutoverVerdict(facts());
    expect(v.go).toBe(true);
    expect(v.problems).toEqual([]);
  });

  it("is NO-GO when the full check's range ends before the freeze", () => {
    const v = decideCutoverVerdict(
      facts({
        proof: {
          kind: "whole",
          since: "2026-01-01T00:00:00.000Z",
          till: "2026-12-03T09:59:58.000Z",
        },
      }),
    );
    expect(v.go).toBe(false);
    expect(v.problems).toContain(
      `the full check compared versions up to 2026-12-03T09:59:58.000Z, before the freeze at ${FREEZE}: the versions in between were not compared`,
    );
  });

  it("does not count versions only on the destination as loss", () => {
    const f = facts();
    expect(decideCutoverVerdict({ ...f, full: { ...f.full!, extra: 3 } }).go).toBe(true);
  });

  it("is NO-GO naming missing versions and their examples", () => {
    const f = facts();
    const v = decideCutoverVerdict({
      ...f,
      full: { ...f.full!, missing: 1, matched: 99, examples: ["Patient/a version 2: missing"] },
    });
    expect(v.go).toBe(false);
    expect(v.problems).toEqual([
      "1 version(s) missing on the destination",
      "Patient/a version 2: missing",
    ]);
    expect(v.actions.length).toBe(1);
  });

  it("is NO-GO reporting writes after the freeze, not as loss", () => {
    const f = facts();
    const v = decideCutoverVerdict({ ...f, postFreezeWrites: 2, full: { ...f.full!, behind: 2 } });
    expect(v.go).toBe(false);
    expect(v.problems).toEqual([
      "2 source version(s) are stamped at or after the freeze: writes did not stop; they are neither copied nor counted as loss",
    ]);
  });

  it("never a plain GO while resources are recorded as refused: names them, to acknowledge", () => {
    const v = decideCutoverVerdict(
      facts({
        failedResources: 2,
        refused: [
          "Observation/o-1 version 1: Arithmetic Overflow.",
          "Observation/o-2 version 3: x",
        ],
      }),
    );
    expect(v.go).toBe(false);
    expect(v.summary).toBe(
      "NO-GO, REFUSED RESOURCES TO ACKNOWLEDGE: everything else equals the source as of the freeze (100 versions compared, 100 equal); 2 resource(s) are recorded as refused by the destination and are not on it: Observation/o-1 version 1: Arithmetic Overflow.; Observation/o-2 version 3: x",
    );
    expect(v.actions[0]).toMatch(/^acknowledge each refused resource named/);
  });

  it("refusals next to other problems: an ordinary NO-GO that still names them", () => {
    const f = facts({ failedResources: 1, refused: ["Observation/o-1 version 1: x"] });
    const v = decideCutoverVerdict({ ...f, full: { ...f.full!, missing: 1 } });
    expect(v.summary).toBe("NO-GO: 1 version(s) missing on the destination");
    expect(v.problems).toContain(
      "1 resource(s) are recorded as refused by the destination and are not on it: Observation/o-1 version 1: x",
    );
  });

  it("with nothing equal it is NO-GO, even when every version is listed as known", () => {
    const f = facts({ failedResources: 16 });
    const v = decideCutoverVerdict({
      ...f,
      full: { ...f.full!, source: 16, matched: 0, known: 16 },
    });
    expect(v.go).toBe(false);
    expect(v.summary).toBe("NO-GO: none of the 16 version(s) compared is equal on the destination");
  });

  it("formats the window and the verdict", () => {
    const text = formatCutover(record({ phase: "GO", verdict: decideCutoverVerdict(facts()) }));
    expect(text).toContain("cutover window (freeze to verdict): 2.0 min");
    expect(text).toContain("GO: the destination equals the source as of the freeze");
    // Three counts agree: search, history and the total of one type, not three types.
    expect(text).toContain(
      "surface check: 3 of 3 counts agree (per type, search and history, and the total)",
    );
    expect(text).not.toContain("types agree");
  });
});

describe("decideCutoverVerdict and the surface counts", () => {
  it("is NO-GO when a type has fewer on the destination", () => {
    const v = decideCutoverVerdict(
      facts({ surface: { verdict: "Fail", typesPassed: 2, types: 3, failing: ["Patient (x)"] } }),
    );
    expect(v.problems).toEqual(["surface counts show fewer on the destination for Patient (x)"]);
  });

  it("stays GO when the only failing counts are more on the destination", () => {
    const v = decideCutoverVerdict(
      facts({ surface: { verdict: "Fail", typesPassed: 2, types: 3, failing: [] } }),
    );
    expect(v.go).toBe(true);
  });
});

describe("cutoverLedgerFacts and the verdict", () => {
  const entry = (since: string, till: string, fields: Partial<LedgerEntry> = {}): LedgerEntry => ({
    ...newLedgerEntry({
      since,
      till,
      kind: "window",
      chunkSeqs: [1],
      expected: { [ALL_TYPES]: 4 },
      plannedAt: undefined,
    }),
    status: "reconciled",
    counts: [judgeCount(ALL_TYPES, 4, 4, 0)],
    ...fields,
  });
  const reconciled = [
    entry("2026-12-03T09:00:00.000Z", "2026-12-03T09:30:00.000Z"),
    entry("2026-12-03T09:30:00.000Z", "2026-12-03T10:00:00.000Z", {
      kind: "skipped",
      chunkSeqs: [],
      counts: [judgeCount(ALL_TYPES, 0, undefined, 0)],
    }),
  ];

  it("sums the entries before the freeze into GO's evidence", () => {
    const ledger = cutoverLedgerFacts(reconciled, FREEZE);
    const v = decideCutoverVerdict(facts({ ledger }));
    expect(v.go).toBe(true);
    expect(v.evidence.ledger).toEqual({
      entries: 2,
      windows: 1,
      skipped: 1,
      reconciled: 2,
      unreconciled: 0,
      open: 0,
      sourceVersions: 4,
      destinationVersions: 4,
      failed: 0,
      missing: 0,
      extra: 0,
    });
    expect(formatCutover(record({ phase: "GO", verdict: v }))).toContain(
      "ledger up to the freeze: 2/2 entries reconciled (1 window, 1 skipped stretch), 0 unreconciled",
    );
  });

  it("says why the ledger's and the full check's versions only on the destination differ", () => {
    const extra = entry("2026-12-03T08:00:00.000Z", "2026-12-03T09:00:00.000Z", {
      status: "reconciled",
      counts: [judgeCount(ALL_TYPES, 5, 6, 0)],
    });
    const text = formatCutover(
      record({
        phase: "GO",
        verdict: decideCutoverVerdict(facts({ ledger: cutoverLedgerFacts([extra], FREEZE) })),
      }),
    );
    expect(text).toContain(
      "1 only on the destination (the ledger counts every entry up to the freeze, the full check only the range it compared)",
    );
  });

  it("leaves out entries starting at or after the freeze", () => {
    const after = entry(FREEZE, "2026-12-03T10:30:00.000Z", { status: "pending", counts: [] });
    expect(cutoverLedgerFacts([...reconciled, after], FREEZE).evidence.entries).toBe(2);
  });

  it("is NO-GO naming an unreconciled entry, its counts and what to do", () => {
    const short = entry("2026-12-03T08:30:00.000Z", "2026-12-03T09:00:00.000Z", {
      status: "unreconciled",
      counts: [judgeCount("Patient", 5, 3, 0)],
      reason:
        "the destination holds fewer versions than the source after a recount and a second import",
    });
    const v = decideCutoverVerdict(
      facts({ ledger: cutoverLedgerFacts([short, ...reconciled], FREEZE) }),
    );
    expect(v.go).toBe(false);
    expect(v.problems).toEqual([
      "ledger window [2026-12-03T08:30:00.000Z, 2026-12-03T09:00:00.000Z) unreconciled: 2 version(s) missing (the destination holds fewer versions than the source after a recount and a second import); Patient: source 5, destination 3, failed 0",
    ]);
    expect(v.actions.join("\n")).toContain("docs/operations.md, section 10");
    expect(v.evidence.ledger).toMatchObject({ unreconciled: 1, missing: 2 });
  });

  it("is NO-GO when an entry before the freeze is still open", () => {
    const open = entry("2026-12-03T09:30:00.000Z", FREEZE, { status: "recheck" });
    const v = decideCutoverVerdict(
      facts({ ledger: cutoverLedgerFacts([reconciled[0]!, open], FREEZE) }),
    );
    expect(v.problems).toEqual(["1 ledger entry before the freeze not reconciled yet"]);
  });
});
