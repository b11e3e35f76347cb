import { describe, expect, it } from "vitest";
import type { ChunkSummary } from "../../../src/core/passPlanner";
import { decidePass } from "../../../src/core/passPlanner";
import {
  chooseSelfStaged,
  deletedLine,
  historyPath,
  readHistoryPage,
  selfStagePolicy,
  selfStageUnavailable,
  StagedWindow,
  type HistoryVersion,
} from "../../../src/core/selfStaging";
import { SOFT_DELETED_EXTENSION_URL } from "../../../src/fhir/types";
import { passSnapshot } from "../../support/passSnapshot";

const EXPORT = { withHistory: true, withDelete: true, anonymizationConfig: undefined };
const SELF = { maxVersions: 1000, pageSize: 1000, concurrency: 2, requestBudget: 20 };

describe("selfStagePolicy", () => {
  it("keeps the threshold when the export holds history and deletes", () => {
    expect(selfStagePolicy(EXPORT, SELF)).toEqual({
      maxVersions: 1000,
      concurrency: 2,
      requestBudget: 20,
    });
  });

  it.each([
    { ex: { ...EXPORT, withHistory: false }, why: "AZURE_ExportWithHistory" },
    { ex: { ...EXPORT, withDelete: false }, why: "AZURE_ExportWithDelete" },
    { ex: { ...EXPORT, anonymizationConfig: "c.json" }, why: "de-identified" },
  ])("is off when the export differs from _history ($why)", ({ ex, why }) => {
    expect(selfStageUnavailable(ex)).toContain(why);
    expect(selfStagePolicy(ex, SELF).maxVersions).toBe(0);
  });
});

describe("chooseSelfStaged", () => {
  const policy = selfStagePolicy(EXPORT, SELF);
  const two = [
    { seq: 2, expectedCount: 5 },
    { seq: 1, expectedCount: 5 },
  ];

  it("chooses windows at or under the threshold, in chunk order, up to the concurrency", () => {
    const chosen = chooseSelfStaged(
      [
        { seq: 4, expectedCount: 10 },
        { seq: 2, expectedCount: 1000 },
        { seq: 3, expectedCount: 1001 },
        { seq: 1, expectedCount: 0 },
      ],
      policy,
      5,
      false,
    );
    expect([...chosen.chunks.keys()]).toEqual([1, 2]);
  });

  it("shares the pass's request budget between the windows it chooses", () => {
    const chosen = chooseSelfStaged(two, policy, 4, false);
    expect([...chosen.chunks.values()].map((o) => o.pages)).toEqual([10, 10]);
  });

  it.each([
    { slots: 5, shares: [3, 2] },
    { slots: 1, shares: [1, 0] },
    { slots: 0, shares: [0, 0] },
  ])(
    "shares $slots free import slots between the windows, the earlier first",
    ({ slots, shares }) => {
      const chosen = chooseSelfStaged(two, policy, slots, false);
      expect([...chosen.chunks.entries()].map(([seq, o]) => [seq, o.importSlots])).toEqual([
        [1, shares[0]],
        [2, shares[1]],
      ]);
    },
  );

  it("gives the window the pass plans a place when one is left, after the planned ones", () => {
    const chosen = chooseSelfStaged([{ seq: 1, expectedCount: 5 }], policy, 5, true);
    expect(chosen.chunks.get(1)).toEqual({ pages: 10, importSlots: 3 });
    expect(chosen.nextWindow).toEqual({ pages: 10, importSlots: 2 });
  });

  it("gives the window the pass plans no place when the concurrency is taken", () => {
    expect(chooseSelfStaged(two, policy, 5, true).nextWindow).toBeUndefined();
  });

  it("chooses nothing when the threshold is 0", () => {
    const off = selfStagePolicy(EXPORT, { ...SELF, maxVersions: 0 });
    const chosen = chooseSelfStaged([{ seq: 1, expectedCount: 0 }], off, 5, true);
    expect(chosen.chunks.size).toBe(0);
    expect(chosen.nextWindow).toBeUndefined();
  });
});

describe("decidePass with self-staging", () => {
  const chunk = (seq: number, expectedCount: number): ChunkSummary => ({
    seq,
    exportStatus: "Planned",
    importStatus: "Not Started",
    processed: false,
    expectedCount,
  });
  const starts = (maxVersions: number) => {
    const d = decidePass(
      passSnapshot({
        chunks: [chunk(1, 5), chunk(2, 5000)],
        policy: {
          ...passSnapshot().policy,
          selfStage: { maxVersions, concurrency: 2, requestBudget: 20 },
        },
      }),
      false,
      { stopWhenCaughtUp: false },
    );
    return d.kind === "act" ? d.actions.filter((a) => a.activity === "StartExport") : [];
  };

  it("marks the small window's StartExport for self-staging and exports the large one", () => {
    expect(starts(1000).map((a) => a.input)).toEqual([
      { seq: 1, selfStage: { pages: 20, importSlots: 5 } },
      { seq: 2 },
    ]);
  });

  it("lets a small window beyond the concurrency wait for the next pass instead of exporting it", () => {
    const d = decidePass(
      passSnapshot({
        chunks: [chunk(1, 5), chunk(2, 5), chunk(3, 5)],
        policy: {
          ...passSnapshot().policy,
          selfStage: { maxVersions: 1000, concurrency: 2, requestBudget: 20 },
        },
      }),
      false,
      { stopWhenCaughtUp: false },
    );
    const starts = d.kind === "act" ? d.actions.filter((a) => a.activity === "StartExport") : [];
    expect(starts.map((a) => a.input)).toEqual([
      { seq: 1, selfStage: { pages: 10, importSlots: 3 } },
      { seq: 2, selfStage: { pages: 10, importSlots: 2 } },
    ]);
  });

  it("exports every window when the threshold is 0", () => {
    expect(starts(0).map((a) => a.input)).toEqual([{ seq: 1 }, { seq: 2 }]);
  });
});

describe("historyPath", () => {
  it("reads [since, till) of the system-level history, oldest first", () => {
    expect(
      historyPath(
        {
          since: "2024-01-01T00:00:00.000Z",
          till: "2024-01-02T00:00:00.000Z",
          resourceType: undefined,
        },
        500,
      ),
    ).toBe(
      "_history?_since=2024-01-01T00%3A00%3A00.000Z&_before=2024-01-02T00%3A00%3A00.000Z&_count=500",
    );
  });

  it("reads one type's history for a per-type window", () => {
    expect(
      historyPath({ since: "a", till: "b", resourceType: "Patient" }, 10).startsWith(
        "Patient/_history?",
      ),
    ).toBe(true);
  });
});

const entry = (resource: string, method: string) =>
  `{"fullUrl":"x","resource":${resource},"request":{"method":"${method}","url":"y"},"response":{"status":"200"}}`;
const page = (...entries: string[]) =>
  `{"resourceType":"Bundle","type":"history","link":[{"relation":"self","url":"s"}]${entries.length > 0 ? `,"entry":[${entries.join(",")}]` : ""}}`;

describe("readHistoryPage", () => {
  const obs =
    '{"resourceType":"Observation","id":"o1","meta":{"versionId":"1","lastUpdated":"2024-01-01T00:00:00.000Z"},"valueQuantity":{"value":1.50}}';

  it("keeps each resource's text exactly (a decimal JSON.parse would shorten)", () => {
    const read = readHistoryPage(page(entry(obs, "PUT")));
    expect(read).toMatchObject({ ok: true });
    expect(read.ok && read.versions[0]?.line).toBe(obs);
  });

  it("reads a page with whitespace between tokens", () => {
    const spaced = page(entry(obs, "POST")).replace(/,"entry":\[/, ' , "entry" : [ ');
    const read = readHistoryPage(spaced);
    expect(read.ok && read.versions.map((v) => v.line)).toEqual([obs]);
  });

  it("reads an empty page as no versions (the caller follows next)", () => {
    expect(readHistoryPage(page())).toEqual({ ok: true, versions: [] });
  });

  it("writes a deleted version as the empty instance with the deleted-state extension", () => {
    const empty =
      '{"resourceType":"Encounter","id":"e1","meta":{"versionId":"2","lastUpdated":"2024-01-01T00:00:00.000Z"}}';
    const read = readHistoryPage(page(entry(empty, "DELETE")));
    expect(read.ok && read.versions[0]).toMatchObject({ deleted: true });
    expect(read.ok && read.versions[0]?.line).toBe(
      `{"resourceType":"Encounter","id":"e1","meta":{"versionId":"2","lastUpdated":"2024-01-01T00:00:00.000Z","extension":[{"url":"${SOFT_DELETED_EXTENSION_URL}","valueString":"soft-deleted"}]}}`,
    );
  });

  it("skips a leading OperationOutcome entry", () => {
    const outcome =
      '{"resource":{"resourceType":"OperationOutcome","issue":[]},"search":{"mode":"outcome"}}';
    const read = readHistoryPage(page(outcome, entry(obs, "PUT")));
    expect(read.ok && read.versions).toHaveLength(1);
  });

  it("refuses an entry without request.method (deleted or not cannot be told)", () => {
    const read = readHistoryPage(page(`{"resource":${obs}}`));
    expect(read).toMatchObject({ ok: false });
    expect(!read.ok && read.reason).toContain("request.method");
  });

  it("refuses a resource without meta.versionId", () => {
    const read = readHistoryPage(page(entry('{"resourceType":"Patient","id":"p"}', "PUT")));
    expect(read).toMatchObject({ ok: false });
  });

  it("refuses text that is not JSON", () => {
    expect(readHistoryPage('{"entry":[')).toMatchObject({ ok: false });
  });

  it("refuses an entry whose resource is not valid JSON", () => {
    expect(readHistoryPage(page(entry('{"resourceType":tru}', "PUT")))).toMatchObject({
      ok: false,
    });
  });
});

describe("deletedLine", () => {
  it("does not add the extension twice", () => {
    const text = `{"resourceType":"Patient","id":"p","meta":{"versionId":"2","extension":[{"url":"${SOFT_DELETED_EXTENSION_URL}","valueString":"soft-deleted"}]}}`;
    expect(deletedLine(text)).toEqual({ ok: true, line: text });
  });

  it("refuses a body that does not re-serialize exactly", () => {
    expect(
      deletedLine('{"resourceType":"Patient","id":"p","x":1.50,"meta":{"versionId":"2"}}'),
    ).toMatchObject({ ok: false });
  });
});

describe("StagedWindow", () => {
  const v = (type: string, id: string, version: string, ms: number): HistoryVersion => ({
    resourceType: type,
    id,
    versionId: version,
    lastUpdatedMs: ms,
    deleted: false,
    line: `${type}/${id}/${version}`,
  });
  const window = () =>
    new StagedWindow({
      since: new Date(1000).toISOString(),
      till: new Date(2000).toISOString(),
      resourceType: undefined,
    });

  it("groups versions into one file per type, types in order, versions in lastUpdated order", () => {
    const w = window();
    expect(w.add([v("Patient", "p", "2", 1500), v("Observation", "o", "1", 1200)])).toBeUndefined();
    expect(w.add([v("Patient", "p", "1", 1100)])).toBeUndefined();
    expect(w.files()).toEqual([
      { type: "Observation", lines: ["Observation/o/1"] },
      { type: "Patient", lines: ["Patient/p/1", "Patient/p/2"] },
    ]);
    expect(w.count).toBe(3);
  });

  it("writes a version a page repeats once and counts the repeat", () => {
    const w = window();
    w.add([v("Patient", "p", "1", 1100)]);
    w.add([v("Patient", "p", "1", 1100)]);
    expect(w.count).toBe(1);
    expect(w.duplicates).toBe(1);
  });

  it.each([999, 2000])("refuses a version stamped outside [since, till) (%i)", (ms) => {
    expect(window().add([v("Patient", "p", "1", ms)])).toContain("outside the window");
  });

  it("refuses a version of another type in a per-type window", () => {
    const w = new StagedWindow({
      since: new Date(1000).toISOString(),
      till: new Date(2000).toISOString(),
      resourceType: "Patient",
    });
    expect(w.add([v("Observation", "o", "1", 1500)])).toContain("not of the window's type");
  });
});
