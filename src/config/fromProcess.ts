import type { Settings } from "./settings";
import { parseSettings } from "./settings";

let cached: Settings | undefined;

/** The process's settings, parsed once (the only place the Functions app reads process.env). */
export function settingsFromProcess(): Settings {
  cached ??= parseSettings(process.env);
  return cached;
}
