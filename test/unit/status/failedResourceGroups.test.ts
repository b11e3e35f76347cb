import { describe, expect, it } from "vitest";
import {
  FailedResourceTally,
  MAX_GROUPS,
  reasonPattern,
} from "../../../src/status/failedResourceGroups";
import type { FailedResourceRecord } from "../../../src/storage/migrationStateStore";

function failed(id: string, overrides: Partial<FailedResourceRecord> = {}): FailedResourceRecord {
  return {
    chunkSeq: 1,
    payloadIndex: 1,
    resourceType: "Observation",
    id,
    reason: `Observation/${id}: decimal value exceeds the allowed precision`,
    inputUrl: "https://acct.blob.core.windows.net/export/Observation-1.ndjson",
    ...overrides,
  };
}

describe("reasonPattern", () => {
  it("replaces the resource's own id, so one problem is one group", () => {
    expect(reasonPattern("Observation/obs-1: bad value", "obs-1")).toBe(
      "Observation/{id}: bad value",
    );
  });

  it("leaves a longer id that merely contains this one alone", () => {
    expect(reasonPattern("obs-10 conflicts with obs-1", "obs-1")).toBe(
      "obs-10 conflicts with {id}",
    );
  });

  it("replaces every whole occurrence, at the start and the end of the text too", () => {
    expect(reasonPattern("p1 refers to p1.x and p1", "p1")).toBe("{id} refers to p1.x and {id}");
  });

  it("takes an id with pattern characters literally", () => {
    expect(reasonPattern("id a+b* (not ab) failed", "a+b*")).toBe("id {id} (not ab) failed");
  });

  it("groups as the whole-word pattern would, on ids and reasons that overlap", () => {
    const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const pattern = (reason: string, id: string) =>
      reason.replace(new RegExp(`(?<![A-Za-z0-9.-])${escape(id)}(?![A-Za-z0-9.-])`, "g"), "{id}");
    const reasons = ["aaa a aa", "a-a a.a a", "x/aa: aa,aa;aaa", "", "aa", "[aa](aa)"];
    for (const reason of reasons)
      for (const id of ["a", "aa", "a-a", "a.a"])
        expect([reason, id, reasonPattern(reason, id)]).toEqual([reason, id, pattern(reason, id)]);
  });

  it("redacts credentials in URLs inside the reason", () => {
    expect(reasonPattern("see https://a.example/e.ndjson?sig=SECRET", "x")).toBe(
      "see https://a.example/e.ndjson?sig=REDACTED",
    );
  });
});

describe("FailedResourceTally", () => {
  it("groups by type and reason, largest first, with up to three distinct sample ids", () => {
    const tally = new FailedResourceTally();
    for (const id of ["a", "b", "b", "c", "d"]) tally.add(failed(id, { chunkSeq: 2 }));
    tally.add(failed("p1", { resourceType: "Patient", reason: "Patient/p1: missing name" }));
    expect(tally.summary()).toEqual({
      groups: [
        {
          resourceType: "Observation",
          reason: "Observation/{id}: decimal value exceeds the allowed precision",
          count: 5,
          samples: [
            { id: "a", chunk: 2 },
            { id: "b", chunk: 2 },
            { id: "c", chunk: 2 },
          ],
        },
        {
          resourceType: "Patient",
          reason: "Patient/{id}: missing name",
          count: 1,
          samples: [{ id: "p1", chunk: 1 }],
        },
      ],
      rowsRead: 6,
      rowsCapped: false,
    });
  });

  it("counts rows past the group limit into one overflow group, listed last", () => {
    const tally = new FailedResourceTally();
    for (let i = 0; i < MAX_GROUPS; i++) tally.add(failed(`x${i}`, { reason: `reason ${i}` }));
    for (let i = 0; i < 3; i++) tally.add(failed(`y${i}`, { reason: `new reason ${i}` }));
    const { groups } = tally.summary();
    expect(groups).toHaveLength(MAX_GROUPS + 1);
    expect(groups.at(-1)).toMatchObject({ resourceType: "(various)", count: 3 });
  });

  it("reports that reading stopped at a limit", () => {
    const tally = new FailedResourceTally();
    tally.markCapped();
    expect(tally.summary().rowsCapped).toBe(true);
  });
});
