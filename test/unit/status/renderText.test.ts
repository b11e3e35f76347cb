import { describe, expect, it } from "vitest";
import { buildStatusReport } from "../../../src/status/buildReport";
import { renderStatusText, terminalText } from "../../../src/status/renderText";
import { NOW, chunk, migratingState, state, statusSettings } from "./stateFixtures";

describe("renderStatusText", () => {
  const text = renderStatusText(buildStatusReport(migratingState(), NOW));

  it("starts with the phase, the watermark and its lag", () => {
    expect(text).toContain("  Phase          Migrating: 1 export running");
    expect(text).toContain("  Watermark      2024-04-28 12:30:00 UTC, behind by 3 d\n");
  });

  it("lists the jobs in flight as a table", () => {
    expect(text).toMatch(
      /\n {2}Kind +Chunk +Payload +Status +Job id +Age +Attempt +Status URL\n {2}export +4 +- +Running +4 +25 min +1 +https:\/\/source\.azurehealthcareapis\.com\/_operations\/export\/4\n {2}import +3 +1 +Running +31 +15 min/,
    );
  });

  it("states the estimate", () => {
    expect(text).toMatch(
      /\n {2}Estimate +about \d+ min \(2024-05-01 1\d:\d\d UTC\); 4 days of source history copied per hour\n/,
    );
  });

  it("says when nothing is in flight and nothing failed", () => {
    const idle = renderStatusText(buildStatusReport(state({ chunks: [chunk(1)] }), NOW));
    expect(idle).toContain("Jobs in flight\n  none\n");
    expect(idle).toContain("  none recorded\n");
  });

  it("lists the app settings warnings check-config gives", () => {
    const warned = state({
      chunks: [chunk(1)],
      settings: statusSettings({
        warnings: ["AZURE_StopDm and AZURE_PauseDm set the same setting"],
      }),
    });
    expect(renderStatusText(buildStatusReport(warned, NOW))).toContain(
      "App settings warnings:\n  - AZURE_StopDm and AZURE_PauseDm set the same setting\n",
    );
  });

  it("removes escape sequences whole and turns line breaks into spaces, so a reason cannot drive the terminal", () => {
    expect(terminalText("bad\u001b[2J\r\nvalue")).toBe("bad value");
  });
});
