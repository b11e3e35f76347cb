import { describe, expect, it } from "vitest";
import { outcomeText, sameStateFlags } from "../../../src/cli/actions/run";
import { parseSettings } from "../../../src/config/settings";
import { VALID_VALUES } from "./cliHarness";

const settings = parseSettings({
  ...VALID_VALUES,
  AZURE_SafetyLagSeconds: "300",
});

describe("what run says when it ends", () => {
  it("says caught up with nothing imported is the safety lag, and when the data comes", () => {
    expect(
      outcomeText(
        {
          outcome: "caught-up",
          reason: "r",
          watermark: "2026-01-01T00:00:00.000Z",
          resourcesImported: 0,
        },
        settings,
      ),
    ).toBe(
      "Caught up with the source as of 2026-01-01T00:00:00.000Z: every version it changed before then is on the destination (or listed as failed); 0 versions imported in all; windows end 5 min before now (AZURE_SafetyLagSeconds), so versions written in the last 5 min are copied by a later run.\n",
    );
  });

  it("counts versions, in the singular for one", () => {
    expect(
      outcomeText(
        {
          outcome: "caught-up",
          reason: "r",
          watermark: "2026-01-01T00:00:00.000Z",
          resourcesImported: 1,
        },
        settings,
      ),
    ).toContain("; 1 version imported in all.");
  });

  it("tells to resume with the same settings and state folder the run used", () => {
    expect(sameStateFlags({ settings: "my settings.json", stateDir: "state" })).toBe(
      ' --settings "my settings.json" --state-dir state',
    );
    expect(sameStateFlags({})).toBe("");
  });
});
