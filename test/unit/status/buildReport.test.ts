import { describe, expect, it } from "vitest";
import { parseSettings } from "../../../src/config/settings";
import { estimateSecondsToCatchUp } from "../../../src/core/eta";
import type { LedgerEntry } from "../../../src/core/ledger";
import { newLedgerEntry } from "../../../src/core/ledger";
import { EMPTY_SEAL, advanceSeal } from "../../../src/core/ledgerSeal";
import { buildStatusReport } from "../../../src/status/buildReport";
import { formatMinute } from "../../../src/status/format";
import { LedgerTally } from "../../../src/status/ledgerOverview";
import type { FailedResourceGroup } from "../../../src/status/report";
import { statusSettingsOf } from "../../../src/status/statusState";
import {
  DAY,
  HOUR,
  MIN,
  NOW,
  at,
  chunk,
  cursor,
  exportingChunk,
  migratingState,
  payload,
  state,
  statusSettings,
} from "./stateFixtures";

describe("buildStatusReport: watermark and lag", () => {
  it("measures the lag from the watermark to now and says it in words", () => {
    const report = buildStatusReport(migratingState(), NOW);
    expect(report.watermark).toMatchObject({
      watermark: at(-3 * DAY),
      frontier: at(-DAY),
      now: NOW.toISOString(),
      lagSeconds: 3 * 86_400,
      lagText: "behind by 3 d",
    });
  });

  it("puts the watermark and frontier on the covered span, from the first window to now minus the lag", () => {
    const { coverage } = buildStatusReport(migratingState(), NOW).watermark;
    const span = 10 * DAY - MIN;
    expect(coverage).toEqual({
      from: at(-10 * DAY),
      to: at(-MIN),
      doneFraction: (7 * DAY) / span,
      plannedFraction: (9 * DAY) / span,
    });
  });

  it("says nothing was migrated before the first window", () => {
    const report = buildStatusReport(state(), NOW);
    expect(report.watermark).toMatchObject({
      watermark: null,
      lagSeconds: null,
      lagText: "nothing migrated yet",
      coverage: null,
    });
  });
});

describe("buildStatusReport: phase", () => {
  it("is halted, with the reason, even inside the pause window", () => {
    const halted = migratingState();
    const report = buildStatusReport(
      {
        ...halted,
        settings: statusSettings({
          pause: { enabled: true, startHour: 8, endHour: 17, continueImports: false },
        }),
        cursor: { ...halted.cursor, halted: true, haltReason: "Import payload failed 3 times" },
      },
      NOW,
    );
    expect(report.phase).toMatchObject({
      kind: "halted",
      haltReason: "Import payload failed 3 times",
    });
    expect(report.phase.detail).toContain("Import payload failed 3 times");
    expect(report.estimate).toMatchObject({ secondsToCatchUp: null, text: "none while halted" });
  });

  it("is paused inside the pause window, until its end hour", () => {
    const report = buildStatusReport(
      migratingState({
        settings: statusSettings({
          pause: { enabled: true, startHour: 8, endHour: 17, continueImports: false },
        }),
      }),
      NOW,
    );
    expect(report.phase).toMatchObject({
      kind: "paused",
      pausedUntil: "2024-05-01T17:00:00.000Z",
    });
    expect(report.phase.detail).toContain("08:00-17:00 UTC");
  });

  it("is migrating outside the pause window", () => {
    const report = buildStatusReport(
      migratingState({
        settings: statusSettings({
          pause: { enabled: true, startHour: 20, endHour: 6, continueImports: false },
        }),
      }),
      NOW,
    );
    expect(report.phase.kind).toBe("migrating");
    expect(report.phase.detail).toBe(
      "1 export running, 1 import running, 1 import waiting for a slot.",
    );
  });

  it("is caught up when the last planning found nothing and no chunk is open", () => {
    const report = buildStatusReport(
      state({
        cursor: cursor({
          watermark: at(-2 * MIN),
          frontier: at(-2 * MIN),
          startWatermark: at(-10 * DAY),
          startedAt: at(-5 * HOUR),
          caughtUp: true,
          nextSeq: 3,
        }),
        chunks: [chunk(1), chunk(2)],
      }),
      NOW,
    );
    expect(report.phase.kind).toBe("caught-up");
    expect(report.watermark.lagText).toBe("caught up (watermark 2 min behind now)");
    expect(report.watermark.coverage?.doneFraction).toBe(1);
    expect(report.estimate).toMatchObject({ secondsToCatchUp: 0, text: "caught up" });
  });

  it("says caught up as of the watermark, and names a clock skew", () => {
    const report = buildStatusReport(
      state({
        cursor: cursor({
          watermark: at(-2 * MIN),
          frontier: at(-2 * MIN),
          startWatermark: at(-10 * DAY),
          startedAt: at(-5 * HOUR),
          caughtUp: true,
          nextSeq: 3,
          clockSkew: "Clock skew: the source's clock is 95 s ahead of this app's.",
        }),
        chunks: [chunk(1), chunk(2)],
      }),
      NOW,
    );
    expect(report.phase.detail).toMatch(/^Caught up as of /);
    expect(report.phase.detail).toContain(
      "Clock skew: the source's clock is 95 s ahead of this app's.",
    );
  });

  describe("claims only what the ledger has counted", () => {
    const caughtUp = cursor({
      watermark: at(-2 * MIN),
      frontier: at(-2 * MIN),
      startWatermark: at(-10 * DAY),
      startedAt: at(-5 * HOUR),
      caughtUp: true,
      nextSeq: 3,
    });
    const entry = (since: number, till: number, status: LedgerEntry["status"]): LedgerEntry => ({
      ...newLedgerEntry({
        since: at(since),
        till: at(till),
        kind: "window",
        chunkSeqs: [1],
        expected: { "*": 3 },
        plannedAt: at(-HOUR),
      }),
      status,
      counts:
        status === "unreconciled"
          ? [{ type: "Patient", source: 3, destination: 0, failed: 0, missing: 3, extra: 0 }]
          : [],
    });
    /** The caught-up phase's detail with this ledger. */
    const detailWith = (entries: LedgerEntry[]) => {
      const tally = new LedgerTally(caughtUp.startWatermark, caughtUp.frontier);
      for (const e of entries) tally.add(e);
      const report = buildStatusReport(
        state({ cursor: caughtUp, chunks: [chunk(1), chunk(2)], ledger: tally.result() }),
        NOW,
      );
      expect(report.phase.kind).toBe("caught-up");
      return report.phase.detail;
    };

    it("says the destination holds everything before the watermark only when the ledger reconciled all of it", () => {
      const detail = detailWith([entry(-10 * DAY, -2 * MIN, "reconciled")]);
      expect(detail).toMatch(
        /^Caught up as of .*: everything the source changed before then is on the destination\./,
      );
    });

    it("names an unreconciled entry before the watermark instead of claiming everything arrived", () => {
      const detail = detailWith([
        entry(-10 * DAY, -5 * DAY, "reconciled"),
        entry(-5 * DAY, -3 * DAY, "unreconciled"),
        entry(-3 * DAY, -2 * MIN, "reconciled"),
      ]);
      expect(detail).not.toContain("everything the source changed before then");
      expect(detail).toContain(
        `the ledger confirms that everything the source changed before ${formatMinute(at(-5 * DAY))} is on the destination; 1 ledger entry from ${formatMinute(at(-5 * DAY))} is unreconciled (3 versions missing; see the Ledger)`,
      );
    });

    it("confirms nothing after the last entry read when the ledger was read only in part", () => {
      const tally = new LedgerTally(caughtUp.startWatermark, caughtUp.frontier);
      tally.add(entry(-10 * DAY, -5 * DAY, "reconciled"));
      tally.markCapped();
      const detail = buildStatusReport(
        state({ cursor: caughtUp, chunks: [chunk(1), chunk(2)], ledger: tally.result() }),
        NOW,
      ).phase.detail;
      expect(detail).toContain(
        `the ledger confirms that everything the source changed before ${formatMinute(at(-5 * DAY))} is on the destination; the ledger was read only up to ${formatMinute(at(-5 * DAY))} (1 entry read one by one).`,
      );
    });

    it("confirms the sealed prefix and the entries read after it when the read stopped there", () => {
      const tally = new LedgerTally(caughtUp.startWatermark, caughtUp.frontier);
      const sealed = [
        entry(-10 * DAY, -5 * DAY, "reconciled"),
        entry(-5 * DAY, -4 * DAY, "reconciled"),
      ];
      tally.addSeal(advanceSeal(EMPTY_SEAL, sealed, caughtUp.frontier).seal, []);
      tally.add(entry(-4 * DAY, -3 * DAY, "reconciled"));
      tally.markCapped();
      const ledger = tally.result();
      expect(ledger).toMatchObject({ entries: 3, entriesRead: 1, reconciled: 3 });
      const detail = buildStatusReport(
        state({ cursor: caughtUp, chunks: [chunk(1), chunk(2)], ledger }),
        NOW,
      ).phase.detail;
      expect(detail).toContain(
        `the ledger confirms that everything the source changed before ${formatMinute(at(-3 * DAY))} is on the destination; the ledger was read only up to ${formatMinute(at(-3 * DAY))} (1 entry read one by one).`,
      );
    });

    it("says what the ledger has not counted when it begins after the start", () => {
      const detail = detailWith([entry(-4 * DAY, -2 * MIN, "reconciled")]);
      expect(detail).toContain(
        `the ledger confirms that everything the source changed from ${formatMinute(at(-4 * DAY))} before ${formatMinute(at(-2 * MIN))} is on the destination; windows before ${formatMinute(at(-4 * DAY))} were planned before the ledger existed and are not counted.`,
      );
    });

    it("names the stretches still waiting for a count", () => {
      const detail = detailWith([
        entry(-10 * DAY, -1 * DAY, "reconciled"),
        entry(-1 * DAY, -2 * MIN, "pending"),
      ]);
      expect(detail).not.toContain("everything the source changed before then");
      expect(detail).toContain(
        `before ${formatMinute(at(-1 * DAY))} is on the destination; 1 stretch from ${formatMinute(at(-1 * DAY))} waits for the ledger's count`,
      );
    });
  });

  it("names a runner refused for other settings, whatever the phase", () => {
    const report = buildStatusReport(
      {
        ...migratingState(),
        settingsRefusal: "A runner with other settings was refused at X: AZURE_IsParallel differs",
      },
      NOW,
    );
    expect(report.phase.kind).toBe("migrating");
    expect(report.phase.detail).toContain(
      "A runner with other settings was refused at X: AZURE_IsParallel differs",
    );
  });

  it("is not caught up while a chunk is still importing, whatever the cursor's flag", () => {
    const s = migratingState();
    const report = buildStatusReport({ ...s, cursor: { ...s.cursor, caughtUp: true } }, NOW);
    expect(report.phase.kind).toBe("migrating");
  });

  it("is not started before the first window", () => {
    expect(buildStatusReport(state(), NOW).phase.kind).toBe("not-started");
  });

  it("is caught up, not 'not started', when the first planning found an empty source", () => {
    const report = buildStatusReport(state({ cursor: cursor({ caughtUp: true }) }), NOW);
    expect(report.phase.kind).toBe("caught-up");
    expect(report.phase.detail).toContain("The source holds nothing to migrate yet");
  });

  it("is range complete once a specific run's frontier reached the end date and all is imported", () => {
    const report = buildStatusReport(
      state({
        settings: statusSettings({ specificRun: true, endDate: at(-5 * DAY) }),
        cursor: cursor({ watermark: at(-5 * DAY), frontier: at(-5 * DAY), nextSeq: 2 }),
        chunks: [chunk(1)],
      }),
      NOW,
    );
    expect(report.phase.kind).toBe("range-complete");
    expect(report.migration.endDate).toBe(at(-5 * DAY));
  });
});

describe("buildStatusReport: totals and jobs", () => {
  it("counts chunks, jobs and resources from the rows and the cursor", () => {
    expect(buildStatusReport(migratingState(), NOW).totals).toEqual({
      resourcesImported: 200,
      resourcesFailed: 4,
      resourcesExported: 300,
      chunks: 4,
      chunksDone: 2,
      chunksInFlight: 2,
      chunksWaitingToExport: 0,
      exportsRunning: 1,
      importsRunning: 1,
      importsWaiting: 1,
      importsFailed: 0,
      consecutiveFailures: 0,
    });
  });

  it("lists running exports and imports with their status URLs' job ids and ages", () => {
    const { jobs } = buildStatusReport(migratingState(), NOW);
    expect(jobs.exports).toEqual([
      expect.objectContaining({
        chunk: 4,
        status: "Running",
        jobId: "4",
        statusUrl: "https://source.azurehealthcareapis.com/_operations/export/4",
        ageSeconds: 25 * 60,
      }),
    ]);
    expect(jobs.imports).toEqual([
      expect.objectContaining({
        chunk: 3,
        payload: 1,
        jobId: "31",
        statusUrl: "https://ws-dest.fhir.azurehealthcareapis.com/_operations/import/31",
        ageSeconds: 15 * 60,
        resources: 100,
      }),
    ]);
  });

  it("never shows a credential carried in a status URL's query", () => {
    const s = migratingState();
    const report = buildStatusReport(
      state({
        ...s,
        chunks: [
          exportingChunk(4, {
            exportContentLocation:
              "https://source.example/_operations/export/9?sig=SECRETSIG&code=SECRETKEY",
          }),
        ],
      }),
      NOW,
    );
    expect(JSON.stringify(report)).not.toMatch(/SECRETSIG|SECRETKEY/);
    expect(report.jobs.exports[0]?.jobId).toBe("9");
  });
});

describe("buildStatusReport: resources moved per hour", () => {
  it("sums completed payloads into the hour their import ended", () => {
    const report = buildStatusReport(
      state({
        cursor: cursor({ startedAt: at(-3 * HOUR), resourcesImported: 60 }),
        chunks: [chunk(1), chunk(2)],
        payloads: [
          payload(1, 1, { importEndTime: "2024-05-01T10:10:00.000Z", importedCount: 10 }),
          payload(1, 2, {
            importEndTime: "2024-05-01T10:50:00.000Z",
            importedCount: 20,
            failedCount: 2,
          }),
          payload(2, 1, { importEndTime: "2024-05-01T12:05:00.000Z", importedCount: 30 }),
          payload(2, 2, { status: "Running", importEndTime: undefined, importedCount: undefined }),
        ],
      }),
      NOW,
    );
    const nonZero = report.throughput.hours.filter((h) => h.imported > 0);
    expect(nonZero).toEqual([
      { hour: "2024-05-01T10:00:00.000Z", imported: 30, failed: 2 },
      { hour: "2024-05-01T12:00:00.000Z", imported: 30, failed: 0 },
    ]);
    expect(report.throughput).toMatchObject({
      currentHour: 30,
      peak: { hour: "2024-05-01T10:00:00.000Z", imported: 30, failed: 2 },
      averagePerHour: 20,
      beforeChart: 0,
    });
  });

  it("spans at least 12 hours ending with the current hour, so young migrations sit on an axis", () => {
    const report = buildStatusReport(
      state({ chunks: [chunk(1)], payloads: [payload(1, 1, { importEndTime: at(-10 * MIN) })] }),
      NOW,
    );
    const hours = report.throughput.hours.map((h) => h.hour);
    expect(hours).toHaveLength(12);
    expect(hours[0]).toBe("2024-05-01T01:00:00.000Z");
    expect(hours.at(-1)).toBe("2024-05-01T12:00:00.000Z");
  });

  it("charts the last 48 hours and counts older imports as not charted", () => {
    const report = buildStatusReport(
      state({
        chunks: [chunk(1)],
        payloads: [
          payload(1, 1, { importEndTime: at(-5 * DAY), importedCount: 700 }),
          payload(1, 2, { importEndTime: at(-HOUR), importedCount: 5 }),
        ],
      }),
      NOW,
    );
    expect(report.throughput.hours).toHaveLength(48);
    expect(report.throughput.beforeChart).toBe(700);
    expect(report.truncated).toContainEqual(
      expect.stringContaining("700 versions imported before 2024-04-29 13:00 UTC are not charted"),
    );
  });

  it("uses a processed chunk's end time when it has no payload rows", () => {
    const report = buildStatusReport(
      state({ chunks: [chunk(1, { endTime: at(-5 * MIN), totalImportResourceCount: 42 })] }),
      NOW,
    );
    expect(report.throughput.currentHour).toBe(42);
  });

  it("is empty before anything was imported", () => {
    expect(buildStatusReport(state(), NOW).throughput).toEqual({
      hours: [],
      currentHour: 0,
      peak: null,
      averagePerHour: null,
      beforeChart: 0,
    });
  });
});

describe("buildStatusReport: timeline", () => {
  it("lists chunks newest first with counts and durations", () => {
    const [newest, ...rest] = buildStatusReport(migratingState(), NOW).timeline.chunks;
    expect(newest).toMatchObject({
      chunk: 4,
      exportStatus: "Running",
      exportSeconds: 25 * 60,
      importSeconds: null,
    });
    expect(rest.map((c) => c.chunk)).toEqual([3, 2, 1]);
    expect(rest.at(-1)).toMatchObject({
      exportSeconds: 5 * 60,
      importSeconds: 30 * 60,
      importedResources: 100,
    });
  });

  it("keeps the latest 200 chunks and says how many there are", () => {
    const chunks = Array.from({ length: 250 }, (_, i) => chunk(i + 1));
    const report = buildStatusReport(state({ chunks }), NOW);
    expect(report.timeline.chunks).toHaveLength(200);
    expect(report.timeline.chunks[0]?.chunk).toBe(250);
    expect(report.timeline.total).toBe(250);
    expect(report.truncated).toContain("Timeline: the latest 200 of 250 chunks are listed.");
  });
});

describe("buildStatusReport: failures", () => {
  it("lists chunk and payload failure reasons, unresolved first", () => {
    const s = migratingState();
    const report = buildStatusReport(
      state({
        ...s,
        chunks: [
          chunk(1, { failureReason: "Manifest holds 90 versions, fewer than the 100 counted" }),
          exportingChunk(2, { failureReason: "Export kick-off failed: 500", exportAttempts: 2 }),
        ],
        payloads: [payload(1, 1, { status: "Pending", failureReason: "Import job failed: 400" })],
      }),
      NOW,
    );
    expect(report.failures.chunks.map((c) => [c.chunk, c.unresolved, c.reason])).toEqual([
      [2, true, "Export kick-off failed: 500"],
      [1, false, "Manifest holds 90 versions, fewer than the 100 counted"],
    ]);
    expect(report.failures.payloads).toEqual([
      {
        chunk: 1,
        payload: 1,
        status: "Pending",
        unresolved: true,
        attempts: 1,
        reason: "Import job failed: 400",
      },
    ]);
  });

  it("shows the SearchParameter failure and the halt settings", () => {
    const report = buildStatusReport(
      state({
        cursor: cursor({
          searchParameterAttempts: 2,
          searchParameterFailure: "SearchParameter/race: 400 invalid expression",
          consecutiveFailures: 2,
        }),
      }),
      NOW,
    );
    expect(report.failures).toMatchObject({
      consecutiveFailures: 2,
      haltAfter: 5,
      searchParameters: {
        copied: false,
        attempts: 2,
        failure: "SearchParameter/race: 400 invalid expression",
      },
    });
  });

  it("redacts signatures from URLs inside failure reasons", () => {
    const report = buildStatusReport(
      state({
        chunks: [
          chunk(1, {
            failureReason:
              "GET https://acct.blob.core.windows.net/c/f.ndjson?sv=2024&sig=SECRETSIG failed",
          }),
        ],
      }),
      NOW,
    );
    expect(report.failures.chunks[0]?.reason).toBe(
      "GET https://acct.blob.core.windows.net/c/f.ndjson?sv=REDACTED&sig=REDACTED failed",
    );
  });

  it("lists the 20 largest failed-resource groups and says how many there are", () => {
    const groups: FailedResourceGroup[] = Array.from({ length: 25 }, (_, i) => ({
      resourceType: "Observation",
      reason: `reason ${i}`,
      count: 100 - i,
      samples: [{ id: `o${i}`, chunk: 1 }],
    }));
    const report = buildStatusReport(
      state({ failedResources: { groups, rowsRead: 2000, rowsCapped: false } }),
      NOW,
    );
    expect(report.failures.resources.groups).toHaveLength(20);
    expect(report.failures.resources.groupsTotal).toBe(25);
    expect(report.truncated).toContain(
      "Failed resources: the 20 largest of 25 type and reason groups are listed.",
    );
  });

  it("says when the failed-resource rows were not all read", () => {
    const report = buildStatusReport(
      state({
        cursor: cursor({ resourcesFailed: 50_000 }),
        failedResources: { groups: [], rowsRead: 20_000, rowsCapped: true },
      }),
      NOW,
    );
    expect(report.truncated).toContainEqual(
      expect.stringContaining("grouped from the first 20,000 rows (the oldest) of 50,000 recorded"),
    );
  });
});

describe("buildStatusReport: estimate and reminders", () => {
  it("estimates the catch-up time from the pace so far (core/eta) and states the pace", () => {
    const s = migratingState();
    const report = buildStatusReport(s, NOW);
    const expected = estimateSecondsToCatchUp(s.cursor, NOW.getTime(), 60_000);
    expect(expected).toBeGreaterThan(0);
    expect(report.estimate).toMatchObject({
      secondsToCatchUp: expected,
      catchUpAt: new Date(NOW.getTime() + expected! * 1000).toISOString(),
      dataHoursPerHour: (7 * DAY) / (2 * HOUR),
    });
    expect(report.estimate.text).toMatch(/^about \d+ min$/);
  });

  it("says when the pace does not catch up", () => {
    const s = migratingState();
    const slow = { ...s.cursor, startWatermark: at(-3 * DAY - HOUR), startedAt: at(-2 * HOUR) };
    const report = buildStatusReport({ ...s, cursor: slow }, NOW);
    expect(report.estimate.secondsToCatchUp).toBeNull();
    expect(report.estimate.text).toMatch(/^not catching up at the current pace/);
  });

  it("reminds to run $reindex after cutover when SearchParameters were written to the destination", () => {
    const report = buildStatusReport(
      state({
        cursor: cursor({ reindexState: "needed" }),
        chunks: [chunk(1, { searchParameterCount: 2 }), chunk(2)],
      }),
      NOW,
    );
    expect(report.reindex).toMatchObject({
      state: "needed",
      needed: true,
      automatic: false,
      searchParametersExported: 2,
    });
    expect(report.reindex.text).toContain("After cutover, run $reindex on the destination");
  });

  it("says $reindex will start by itself with AZURE_ReindexAfterCatchUp", () => {
    const report = buildStatusReport(
      state({
        settings: statusSettings({ reindexAfterCatchUp: true }),
        cursor: cursor({ reindexState: "needed" }),
      }),
      NOW,
    );
    expect(report.reindex.text).toContain(
      "$reindex starts on the destination once the migration is caught up",
    );
  });

  it("shows a running $reindex with its progress and status URL", () => {
    const report = buildStatusReport(
      state({
        cursor: cursor({
          reindexState: "running",
          reindexStatusUrl: "https://ws-dest.fhir.azurehealthcareapis.com/_operations/reindex/9",
          reindexDetail: "Running 40/100",
        }),
      }),
      NOW,
    );
    expect(report.reindex).toMatchObject({
      needed: false,
      statusUrl: "https://ws-dest.fhir.azurehealthcareapis.com/_operations/reindex/9",
      text: "$reindex is running on the destination (Running 40/100).",
    });
  });

  it("asks for a manual $reindex when the automatic one failed", () => {
    const report = buildStatusReport(
      state({ cursor: cursor({ reindexState: "failed", reindexDetail: "HTTP 403" }) }),
      NOW,
    );
    expect(report.reindex).toMatchObject({ needed: true });
    expect(report.reindex.text).toMatch(/^\$reindex on the destination failed: HTTP 403\./);
  });

  it("has nothing to say about $reindex when no SearchParameter was written", () => {
    expect(buildStatusReport(migratingState(), NOW).reindex).toMatchObject({
      state: "none",
      needed: false,
      text: null,
    });
  });

  it("rejects an invalid now", () => {
    expect(() => buildStatusReport(state(), new Date(Number.NaN))).toThrow(/invalid Date/);
  });
});

describe("buildStatusReport: app settings warnings", () => {
  it("carries what check-config warns about, from the parsed settings (a setting without effect)", () => {
    const settings = parseSettings({
      AZURE_SourceUri: "https://source.azurehealthcareapis.com",
      AZURE_DestinationUri: "https://ws-dest.fhir.azurehealthcareapis.com",
      AzureWebJobsStorage: "UseDevelopmentStorage=true",
      AZURE_QuerySurface: "?_summary=Count",
    });
    const report = buildStatusReport(state({ settings: statusSettingsOf(settings) }), NOW);
    expect(report.migration.settingWarnings).toEqual([
      expect.stringMatching(/^AZURE_QuerySurface has no effect/),
    ]);
  });
});
