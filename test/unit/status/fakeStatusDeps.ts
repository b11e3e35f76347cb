import { parseSettings } from "../../../src/config/settings";
import { EMPTY_SEAL } from "../../../src/core/ledgerSeal";
import type { StatusDeps, StatusState } from "../../../src/status/statusState";
import type { FailedResourceRecord } from "../../../src/storage/migrationStateStore";
import { NOW } from "./stateFixtures";

export const TEST_SETTINGS = parseSettings({
  AzureWebJobsStorage: "UseDevelopmentStorage=true",
  AZURE_SourceUri: "https://source.azurehealthcareapis.com",
  AZURE_DestinationUri: "https://ws-dest.fhir.azurehealthcareapis.com",
});

async function* each<T>(items: readonly T[]): AsyncIterable<T> {
  for (const item of items) yield item;
}

/** Status deps over in-memory rows; `reads` counts how often the state was read. */
export function fakeStatusDeps(
  rows: Pick<StatusState, "cursor" | "chunks" | "payloads">,
  extra: { failed?: FailedResourceRecord[]; fail?: Error } = {},
): StatusDeps & { reads: number } {
  const deps = {
    reads: 0,
    settings: TEST_SETTINGS,
    clock: { now: () => NOW.getTime() },
    state: {
      getCursor: async () => {
        deps.reads++;
        if (extra.fail !== undefined) throw extra.fail;
        return rows.cursor;
      },
      // Seq ranges as the store's RowKey ranges, oldest first.
      listChunksWithPayloads: async (from: number, to: number) => ({
        chunks: rows.chunks.filter((c) => c.seq >= from && c.seq < to),
        payloads: rows.payloads.filter((p) => p.chunkSeq >= from && p.chunkSeq < to),
      }),
      listChunkSummaries: (from: number, to: number) =>
        each(
          [...rows.chunks].sort((a, b) => a.seq - b.seq).filter((c) => c.seq >= from && c.seq < to),
        ),
      firstChunkEndedSince: async (from: number, to: number, since: string) =>
        rows.chunks
          .filter(
            (c) => c.seq >= from && c.seq < to && c.endTime !== undefined && c.endTime >= since,
          )
          .reduce<number | undefined>(
            (min, c) => (min === undefined ? c.seq : Math.min(min, c.seq)),
            undefined,
          ),
      listFailureRows: (from: number, to: number) =>
        each([
          ...rows.chunks
            .filter((c) => c.seq >= from && c.seq < to && c.failureReason !== undefined)
            .map((chunk) => ({ chunk })),
          ...rows.payloads
            .filter(
              (p) =>
                p.chunkSeq >= from &&
                p.chunkSeq < to &&
                (p.failureReason !== undefined || p.status === "Failed"),
            )
            .map((payload) => ({ payload })),
        ]),
      listFailedResourceReasons: () => each(extra.failed ?? []),
      getLatestVerificationRun: async () => undefined,
      listCheckSummaries: async () => [],
      listRunCheckResults: () => each([]),
      ledger: () => ({
        seal: async () => EMPTY_SEAL,
        getMany: async () => new Map(),
        listAfterSeal: () => each([]),
      }),
    },
  };
  return deps;
}
