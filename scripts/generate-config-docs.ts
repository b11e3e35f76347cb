/** Writes docs/configuration.md and local.settings.sample.json from the settings catalog. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CONFIGURATION_DOC_PATH,
  SAMPLE_SETTINGS_PATH,
  renderConfigurationDoc,
  renderSampleSettings,
} from "./configDocs";

const root = join(__dirname, "..");
writeFileSync(join(root, CONFIGURATION_DOC_PATH), renderConfigurationDoc());
writeFileSync(join(root, SAMPLE_SETTINGS_PATH), renderSampleSettings());
process.stdout.write(`Wrote ${CONFIGURATION_DOC_PATH} and ${SAMPLE_SETTINGS_PATH}\n`);
