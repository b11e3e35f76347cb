import { describe, expect, it } from "vitest";
import {
  accountImport,
  describeShortfall,
  failuresWithoutDetail,
  unmentionedInputs,
} from "../../../src/core/importAccounting";

const A = "https://stg.blob.core.windows.net/export-1/Patient-1.ndjson";
const B = "https://stg.blob.core.windows.net/export-1/Observation-1.ndjson";
const sent = [
  { url: A, type: "Patient", lines: 4 },
  { url: B, type: "Observation", lines: 2 },
];

describe("accountImport", () => {
  it("accepts a result where imported plus failed equals the lines sent, per file", () => {
    const accounting = accountImport(sent, {
      output: [
        { type: "Patient", count: 3, inputUrl: A },
        { type: "Observation", count: 2, inputUrl: B },
      ],
      error: [{ type: "Patient", count: 1, inputUrl: A, url: "https://stg/fhirlogs/x.ndjson" }],
    });
    expect(accounting.short).toEqual([]);
    expect(describeShortfall(accounting)).toBeUndefined();
  });

  it("names every file of an empty success answer as short", () => {
    const accounting = accountImport(sent, { output: [], error: [] });
    expect(accounting.short.map((a) => a.url)).toEqual([A, B]);
    expect(describeShortfall(accounting)).toBe(
      "The import reported success but accounts for 0 of 6 resources sent (6 neither imported nor failed) in 2 input file(s): Patient-1.ndjson: 0 imported + 0 failed of 4; Observation-1.ndjson: 0 imported + 0 failed of 2",
    );
  });

  it("does not let one file's surplus hide another file's shortfall", () => {
    const accounting = accountImport(sent, {
      output: [
        { type: "Patient", count: 6, inputUrl: A },
        { type: "Observation", count: 0, inputUrl: B },
      ],
      error: [],
    });
    expect(accounting.short.map((a) => a.url)).toEqual([B]);
    expect(accounting.excess.map((a) => a.url)).toEqual([A]);
  });

  it("sums error entries of several processing units of one file", () => {
    const accounting = accountImport([{ url: A, type: "Patient", lines: 4 }], {
      output: [{ type: "Patient", count: 1, inputUrl: A }],
      error: [
        { type: "Patient", count: 2, inputUrl: A, url: "u1" },
        { type: "Patient", count: 1, inputUrl: A, url: "u2" },
      ],
    });
    expect(accounting.short).toEqual([]);
  });

  it("matches an input url echoed with another host case or percent-encoding", () => {
    const url = "https://stg.blob.core.windows.net/export-1/Patient 1.ndjson";
    const accounting = accountImport([{ url, type: "Patient", lines: 1 }], {
      output: [
        {
          type: "Patient",
          count: 1,
          inputUrl: "https://STG.blob.core.windows.net/export-1/Patient%201.ndjson",
        },
      ],
      error: [],
    });
    expect(accounting.short).toEqual([]);
    expect(accounting.unknownInputs).toEqual([]);
  });

  it("reports results for files that were not sent, without their query", () => {
    const accounting = accountImport([{ url: A, type: "Patient", lines: 1 }], {
      output: [
        { type: "Patient", count: 1, inputUrl: A },
        { type: "Patient", count: 5, inputUrl: `${B}?sig=secret` },
      ],
      error: [],
    });
    expect(accounting.unknownInputs).toEqual([B]);
  });
});

describe("failuresWithoutDetail", () => {
  it("is the counted failures the error file has no line for", () => {
    expect(failuresWithoutDetail(4, 1)).toBe(3);
  });

  it("is zero when the file holds as many lines as counted, or more", () => {
    expect(failuresWithoutDetail(2, 2)).toBe(0);
    expect(failuresWithoutDetail(2, 3)).toBe(0);
  });
});

describe("unmentionedInputs", () => {
  it("names inputs an empty success answer does not mention", () => {
    expect(unmentionedInputs([A, B], { output: [], error: [] })).toEqual([A, B]);
  });

  it("counts an input mentioned only with failures, or with count 0, as mentioned", () => {
    expect(
      unmentionedInputs([A, B], {
        output: [{ type: "Patient", count: 0, inputUrl: A }],
        error: [{ type: "Observation", count: 2, inputUrl: B, url: "u" }],
      }),
    ).toEqual([]);
  });
});
