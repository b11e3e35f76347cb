import { expect } from "vitest";
import type { ConfigurationError, SettingIssue } from "../../../src/errors";
import { isConfigurationError } from "../../../src/errors";
import type { Environment, Settings } from "../../../src/config/settings";
import { parseSettings } from "../../../src/config/settings";

/** The smallest valid environment: both servers and the app's own storage. */
export const BASE_ENV: Environment = Object.freeze({
  AZURE_SourceUri: "https://source.azurehealthcareapis.com",
  AZURE_DestinationUri: "https://ws-dest.fhir.azurehealthcareapis.com",
  AzureWebJobsStorage: "UseDevelopmentStorage=true",
});

export function parseWith(extra: Environment): Settings {
  return parseSettings({ ...BASE_ENV, ...extra });
}

/** The ConfigurationError parseSettings throws for this environment (fails the test if none). */
export function configurationErrorOf(env: Environment): ConfigurationError {
  let thrown: unknown;
  try {
    parseSettings(env);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, "parseSettings should have thrown").toBeDefined();
  if (!isConfigurationError(thrown)) throw thrown;
  return thrown;
}

export function issuesWith(extra: Environment): readonly SettingIssue[] {
  return configurationErrorOf({ ...BASE_ENV, ...extra }).issues;
}

export function issueFor(extra: Environment, setting: string): SettingIssue {
  const issues = issuesWith(extra);
  const issue = issues.find((i) => i.setting === setting);
  expect(issue, `an issue for ${setting} in ${JSON.stringify(issues)}`).toBeDefined();
  return issue!;
}

/** The issues for this environment, or none when it is valid. */
export function issuesOrNone(env: Environment): readonly SettingIssue[] {
  try {
    parseSettings(env);
    return [];
  } catch (error) {
    if (!isConfigurationError(error)) throw error;
    return error.issues;
  }
}
