import { describe, expect, it } from "vitest";
import { parseSettings } from "../../../src/config/settings";
import { withEngineOptions } from "../../../src/engine/engineOptions";
import { BASE_ENV } from "../config/settingsTestEnv";

describe("withEngineOptions", () => {
  it("keeps the parsed settings when no option is given", () => {
    const settings = parseSettings(BASE_ENV);
    expect(withEngineOptions(settings, {})).toBe(settings);
  });

  it("one-window mode gives the settings of one 100-year window, unsplit, ten exports in flight", () => {
    const settings = parseSettings({ ...BASE_ENV, AZURE_ExportChunkDuration: "Hours" });
    const oneWindow = withEngineOptions(settings, { oneWindow: true });
    // What the same values given as app settings parse to: the command no longer sends them as strings.
    const asAppSettings = parseSettings({
      ...BASE_ENV,
      AZURE_ExportChunkTime: "36500",
      AZURE_ResourceExportChunkTime: "36500",
      AZURE_ExportChunkDuration: "Days",
      AZURE_ChunkLimit: "1000000000",
      AZURE_MaxExportsInFlight: "10",
    });
    expect({ ...oneWindow, warnings: [] }).toEqual({ ...asAppSettings, warnings: [] });
  });

  it("returns frozen settings, as parseSettings does", () => {
    const oneWindow = withEngineOptions(parseSettings(BASE_ENV), { oneWindow: true });
    expect(Object.isFrozen(oneWindow.chunking)).toBe(true);
  });
});
