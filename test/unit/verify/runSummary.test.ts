import { describe, expect, it } from "vitest";
import {
  SUMMARY_PROBLEMS,
  SUMMARY_PROBLEM_DETAILS,
  emptyRowTally,
  tallyRow,
} from "../../../src/verify/runSummary";

const row = (result: string, details = "why") => ({
  resourceType: "Patient",
  key: "p1",
  result,
  source: null,
  destination: null,
  details,
});

describe("a check's row tally", () => {
  it("counts every row by result and keeps only the first problems", () => {
    const tally = emptyRowTally();
    tallyRow(tally, row("Pass"));
    for (let i = 0; i < SUMMARY_PROBLEMS + 5; i++) tallyRow(tally, row("Fail"));
    expect(tally.results).toEqual({ Pass: 1, Fail: SUMMARY_PROBLEMS + 5 });
    expect(tally.problems).toHaveLength(SUMMARY_PROBLEMS);
  });

  it("keeps a problem's details short: what it carries across continue-as-new stays bounded", () => {
    const tally = emptyRowTally();
    tallyRow(tally, row("Fail", "x".repeat(50_000)));
    expect(tally.problems[0]!.details).toHaveLength(SUMMARY_PROBLEM_DETAILS);
  });
});
