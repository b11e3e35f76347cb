import { beforeEach, describe, expect, it } from "vitest";
import type { PayloadRecord } from "../../../src/core/migrationState";
import { PayloadStore } from "../../../src/storage/payloadStore";
import { freshTable } from "../../support/freshTable";

function payload(chunkSeq: number, index: number): PayloadRecord {
  return {
    chunkSeq,
    index,
    blobName: `import/${chunkSeq}/${index}.ndjson`,
    inputCount: 1,
    resourceCount: 10,
    status: "Pending",
    importContentLocation: undefined,
    attempts: 0,
    importStartTime: undefined,
    importEndTime: undefined,
    importedCount: undefined,
    failedCount: undefined,
    failureReason: undefined,
  };
}

describe("the payload rows against Azurite", () => {
  let payloads: PayloadStore;

  beforeEach(async () => {
    payloads = new PayloadStore(await freshTable(), { partitionKey: "pk", rowKey: "rk" });
  });

  it("lists a chunk's payloads in order, and none of another chunk's", async () => {
    for (const [seq, index] of [
      [1, 10],
      [1, 2],
      [10, 1],
      [2, 1],
    ] as const)
      await payloads.insertPayload(payload(seq, index));
    const listed = await payloads.listPayloads(1);
    expect(listed.map((p) => [p.chunkSeq, p.index])).toEqual([
      [1, 2],
      [1, 10],
    ]);
  });

  it("changes only a payload that exists", async () => {
    let runs = 0;
    const change = await payloads.changePayload(1, 1, (p) => (runs++, p));
    expect({ written: change.written, runs }).toEqual({ written: false, runs: 0 });
    expect(await payloads.getPayload(1, 1)).toBeUndefined();
  });
});
