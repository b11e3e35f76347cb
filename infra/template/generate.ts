/**
 * Writes infra/main.json from the sources in this folder: `npx tsx infra/template/generate.ts`.
 * test/unit/infra checks that the committed main.json is what this produces.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildMainTemplate } from "./main-template";

export const MAIN_TEMPLATE_PATH = join(__dirname, "..", "main.json");

export function renderMainTemplate(): string {
  return `${JSON.stringify(buildMainTemplate(), null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(MAIN_TEMPLATE_PATH, renderMainTemplate());
  console.log(`Wrote ${MAIN_TEMPLATE_PATH}`);
}
