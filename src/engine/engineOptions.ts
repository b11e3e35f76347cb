import type { Settings } from "../config/settings";
import { deepFreeze } from "../config/settings";

/**
 * How a command runs the engine, chosen by the command rather than by app settings: typed here and
 * applied to the parsed settings, never passed as environment strings to be parsed again.
 */
export interface EngineOptions {
  /**
   * lift-and-shift: the whole range as one step of up to 100 years (one export, or one per type in
   * per-type mode), never split by AZURE_ChunkLimit. AZURE_ChunkTargetResources still applies, as
   * it did when these values were passed as app settings: 0 gives a single window.
   */
  oneWindow?: boolean;
}

/** 100 years, in AZURE_ExportChunkDuration=Days units: longer than any source's history. */
export const ONE_WINDOW_DAYS = 36_500;
/** AZURE_ChunkLimit's largest accepted value: no window is split because it holds too many versions. */
export const ONE_WINDOW_CHUNK_LIMIT = 1_000_000_000;
/** Exports in flight in one-window mode (one per type with --type). */
export const ONE_WINDOW_EXPORTS_IN_FLIGHT = 10;

/** The settings the engine runs with under these options (the parsed ones when there are none). */
export function withEngineOptions(settings: Settings, options: EngineOptions): Settings {
  if (options.oneWindow !== true) return settings;
  return deepFreeze({
    ...settings,
    chunking: {
      ...settings.chunking,
      unit: "Days",
      parallelChunkLength: ONE_WINDOW_DAYS,
      perTypeChunkLength: ONE_WINDOW_DAYS,
      chunkLimit: ONE_WINDOW_CHUNK_LIMIT,
    },
    export: { ...settings.export, maxInFlight: ONE_WINDOW_EXPORTS_IN_FLIGHT },
  });
}
