import { describe, expect, it } from "vitest";
import { SETTINGS, findSetting } from "../../../src/config/catalog";
import { expectedText } from "../../../src/config/schema";
import { BASE_ENV, issuesOrNone, parseWith } from "./settingsTestEnv";

describe("the settings catalog", () => {
  it("declares each name and alias once, ignoring letter case", () => {
    const names = SETTINGS.flatMap((s) => [s.name, ...(s.aliases ?? [])]).map((n) =>
      n.toLowerCase(),
    );
    expect(names.length).toBe(new Set(names).size);
  });

  it("keeps each group together, so docs and the sample file can follow catalog order", () => {
    const groups = SETTINGS.map((s) => s.group).filter((g, i, all) => i === 0 || all[i - 1] !== g);
    expect(groups.length).toBe(new Set(groups).size);
  });

  it("gives required settings no default", () => {
    expect(SETTINGS.filter((s) => s.required === true && s.default !== undefined)).toEqual([]);
  });

  it("gives every optional setting a default", () => {
    const missing = SETTINGS.filter((s) => s.required !== true && s.default === undefined);
    expect(missing.map((s) => s.name)).toEqual([]);
  });

  it.each(
    SETTINGS.filter((s) => s.default !== undefined && s.default !== "").map((s) => [
      s.name,
      s.default!,
    ]),
  )("accepts the default of %s (%j) when it is typed in", (name, value) => {
    expect(() => parseWith({ [name]: value })).not.toThrow();
  });

  /** Their examples are the sample's placeholders: refused until replaced by a real server. */
  const SERVERS = ["AZURE_SourceUri", "AZURE_DestinationUri"];

  it.each(
    SETTINGS.filter((s) => s.example !== "" && !SERVERS.includes(s.name)).map((s) => [
      s.name,
      s.example,
    ]),
  )("accepts the documented example of %s (%j)", (name, value) => {
    const issues = issuesOrNone({ ...BASE_ENV, [name]: value });
    expect(issues.filter((i) => i.setting === name)).toEqual([]);
  });

  it.each(SERVERS)("refuses the placeholder example of %s, asking for a real server", (name) => {
    const issues = issuesOrNone({ ...BASE_ENV, [name]: findSetting(name)!.example });
    expect(issues.filter((i) => i.setting === name)).toEqual([
      expect.objectContaining({
        expected: expect.stringMatching(
          /^your server's base URL: .+ is the placeholder of local\.settings\.sample\.json$/,
        ),
      }),
    ]);
  });

  it("finds a setting by an alias", () => {
    expect(findSetting("AZURE_StopDm")?.name).toBe("AZURE_PauseDm");
  });

  it("says in words what each setting accepts", () => {
    expect(SETTINGS.filter((s) => expectedText(s).trim() === "").map((s) => s.name)).toEqual([]);
  });
});
