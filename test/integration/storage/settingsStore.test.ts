import { beforeEach, describe, expect, it } from "vitest";
import type { SettingsRecord } from "../../../src/storage/settingsStore";
import { SettingsStore } from "../../../src/storage/settingsStore";
import { freshTable } from "../../support/freshTable";

const recorded: SettingsRecord = {
  fingerprint: "old",
  values: { AZURE_IsParallel: "true" },
  recordedAt: "2024-01-01T00:00:00.000Z",
};
const REFUSED_AT = "2024-01-02T00:00:00.000Z";

describe("the settings row against Azurite", () => {
  let settings: SettingsStore;

  beforeEach(async () => {
    settings = new SettingsStore(await freshTable(), { partitionKey: "pk", rowKey: "rk" });
    await settings.insertSettingsRecord(recorded);
  });

  it("keeps the first record when another is inserted", async () => {
    const again = await settings.insertSettingsRecord({ ...recorded, fingerprint: "new" });
    expect(again).toEqual({ created: false, record: recorded });
  });

  it("notes a refused runner on the record it was refused by", async () => {
    await settings.noteSettingsRefusal("old", REFUSED_AT, "AZURE_IsParallel differs");
    expect(await settings.getSettingsRecord()).toEqual({
      ...recorded,
      refusedAt: REFUSED_AT,
      refusedReason: "AZURE_IsParallel differs",
    });
  });

  it("leaves settings accepted since the refusal as they are", async () => {
    const accepted = { ...recorded, fingerprint: "new", previousValues: recorded.values };
    await settings.putSettingsRecord(accepted);
    await settings.noteSettingsRefusal("old", REFUSED_AT, "AZURE_IsParallel differs");
    expect(await settings.getSettingsRecord()).toEqual(accepted);
  });
});
