import { describe, expect, expectTypeOf, it } from "vitest";
import { CATALOG, SETTINGS } from "../../../src/config/catalog";
import type {
  CatalogValues,
  SettingName,
  SettingNameOf,
  SettingValue,
} from "../../../src/config/settingNames";

describe("setting types derived from the catalog", () => {
  it("name every catalog entry", () => {
    const names: readonly SettingName[] = CATALOG.map((s) => s.name);
    expect(names).toEqual(SETTINGS.map((s) => s.name));
  });

  it("type each value by its kind, undefined only when it can be empty", () => {
    expectTypeOf<SettingValue<"AZURE_SourceUri">>().toEqualTypeOf<string>();
    expectTypeOf<SettingValue<"AZURE_EndDate">>().toEqualTypeOf<string | undefined>();
    expectTypeOf<SettingValue<"AZURE_IsParallel">>().toEqualTypeOf<boolean>();
    expectTypeOf<SettingValue<"AZURE_ExportChunkTime">>().toEqualTypeOf<number>();
    expectTypeOf<SettingValue<"AZURE_ResourceTypes">>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<CatalogValues["AZURE_ChunkTableName"]>().toEqualTypeOf<string>();
  });

  it("refuse a misspelt name or a name of another kind", () => {
    // @ts-expect-error: not a setting
    const misspelt: SettingName = "AZURE_SourceUrl";
    // @ts-expect-error: AZURE_IsParallel is a boolean, not a number
    const wrongKind: SettingNameOf<number> = "AZURE_IsParallel";
    expect([misspelt, wrongKind]).toHaveLength(2);
  });
});
