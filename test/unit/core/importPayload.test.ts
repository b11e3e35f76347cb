import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ExportManifestError,
  buildImportPayloads,
  isExportManifestError,
  storeImportPayloads,
  validateExportOutputs,
  type ImportPayloadBody,
  type ImportPayloadOptions,
  type ImportPayloadSummary,
} from "../../../src/core/importPayload";
import type { ExportOutputFile, ImportParameters } from "../../../src/fhir/types";

const FIXTURES = join(__dirname, "..", "..", "fixtures", "import-payload");
const BASE = "https://stagingacct.blob.core.windows.net/export-4721";
const DATA_TYPES = ["Encounter", "Observation", "Patient"] as const;

/**
 * A deterministic manifest: `files` data files in type blocks (sorted by type, as the server sorts
 * them), with `searchParameters` SearchParameter files spread evenly among them so exclusion is
 * exercised mid-stream. Counts vary and include 0.
 */
function makeOutputs(files: number, searchParameters = 0): ExportOutputFile[] {
  const total = files + searchParameters;
  const spPositions = new Set<number>();
  for (let j = 0; j < searchParameters; j += 1) {
    spPositions.add(Math.floor(((j + 1) * total) / (searchParameters + 1)));
  }
  const outputs: ExportOutputFile[] = [];
  let dataIndex = 0;
  let spIndex = 0;
  for (let position = 0; position < total; position += 1) {
    if (spPositions.has(position)) {
      spIndex += 1;
      outputs.push({
        type: "SearchParameter",
        url: `${BASE}/SearchParameter-9000-${spIndex}.ndjson`,
        count: 3 + spIndex,
      });
      continue;
    }
    const type = DATA_TYPES[Math.floor((dataIndex * DATA_TYPES.length) / Math.max(files, 1))]!;
    outputs.push({
      type,
      url: `${BASE}/${type}-${4723 + (dataIndex % 7)}-${dataIndex + 1}.ndjson`,
      count: (dataIndex * 7919) % 5000,
    });
    dataIndex += 1;
  }
  return outputs;
}

function runAll(
  outputs: Iterable<ExportOutputFile>,
  options: ImportPayloadOptions = {},
): { payloads: ImportPayloadBody[]; summary: ImportPayloadSummary } {
  const generator = buildImportPayloads(outputs, options);
  const payloads: ImportPayloadBody[] = [];
  for (;;) {
    const next = generator.next();
    if (next.done === true) return { payloads, summary: next.value };
    payloads.push(next.value);
  }
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** Compares with a committed golden file; UPDATE_GOLDENS=1 rewrites it first (review the diff). */
function expectGolden(name: string, actual: unknown): void {
  const path = join(FIXTURES, name);
  if (process.env.UPDATE_GOLDENS === "1") {
    writeFileSync(path, `${JSON.stringify(actual, null, 2)}\n`);
  }
  const expected: unknown = JSON.parse(readFileSync(path, "utf8"));
  expect(actual).toEqual(expected);
}

function inputsOf(body: ImportParameters): { type: string; url: string }[] {
  return body.parameter
    .filter((p) => p.name === "input")
    .map((p) => {
      const type = p.part?.find((part) => part.name === "type")?.valueString;
      const url = p.part?.find((part) => part.name === "url")?.valueUri;
      if (type === undefined || url === undefined) throw new Error("input without type or url");
      return { type, url };
    });
}

const HEADER = [
  { name: "inputFormat", valueString: "application/fhir+ndjson" },
  { name: "mode", valueString: "IncrementalLoad" },
];

describe("buildImportPayloads: small manifests", () => {
  it("yields no body for an empty manifest (the server rejects an empty input list)", () => {
    const { payloads, summary } = runAll([]);
    expect(payloads).toEqual([]);
    expect(summary).toEqual({
      payloads: 0,
      files: 0,
      resources: 0,
      filesByType: {},
      resourcesByType: {},
      searchParameterFiles: 0,
      searchParameterResources: 0,
    });
  });

  it("yields no body when every file is a SearchParameter file, and counts them", () => {
    const { payloads, summary } = runAll(makeOutputs(0, 2));
    expect(payloads).toEqual([]);
    expect(summary.payloads).toBe(0);
    expect(summary.searchParameterFiles).toBe(2);
    expect(summary.searchParameterResources).toBe(4 + 5);
  });

  it("builds one body for one file (golden)", () => {
    const outputs: ExportOutputFile[] = [
      { type: "Patient", url: `${BASE}/Patient-4730-1.ndjson`, count: 977 },
    ];
    const { payloads, summary } = runAll(outputs);
    expectGolden(
      "one-output.bodies.json",
      payloads.map((p) => p.body),
    );
    expect(payloads[0]).toMatchObject({
      index: 1,
      inputCount: 1,
      resourcesByType: { Patient: 977 },
    });
    expect(summary).toEqual({
      payloads: 1,
      files: 1,
      resources: 977,
      filesByType: { Patient: 1 },
      resourcesByType: { Patient: 977 },
      searchParameterFiles: 0,
      searchParameterResources: 0,
    });
  });

  it("splits seven files (two SearchParameter) into bodies of two, tagged (golden)", () => {
    const outputs = makeOutputs(5, 2);
    const { payloads, summary } = runAll(outputs, { fileCount: 2, attemptTag: "chunk-17.retry-1" });
    expectGolden(
      "seven-outputs-filecount-2.bodies.json",
      payloads.map((p) => p.body),
    );
    expect(payloads.map((p) => [p.index, p.inputCount])).toEqual([
      [1, 2],
      [2, 2],
      [3, 1],
    ]);
    expect(summary).toMatchObject({ payloads: 3, files: 5, searchParameterFiles: 2 });
  });

  it("imports files whose count is 0 (counts are informational)", () => {
    const outputs: ExportOutputFile[] = [
      { type: "Patient", url: `${BASE}/Patient-1-1.ndjson`, count: 0 },
      { type: "Patient", url: `${BASE}/Patient-1-2.ndjson` },
    ];
    const { payloads, summary } = runAll(outputs);
    expect(inputsOf(payloads[0]!.body).map((i) => i.url)).toEqual(outputs.map((o) => o.url));
    expect(summary).toMatchObject({ files: 2, resources: 0, resourcesByType: { Patient: 0 } });
  });

  it("always sends type as valueString and url as valueUri", () => {
    const { payloads } = runAll([{ type: "Observation", url: `${BASE}/Observation-1-1.ndjson` }]);
    expect(payloads[0]!.body.parameter[2]).toEqual({
      name: "input",
      part: [
        { name: "type", valueString: "Observation" },
        { name: "url", valueUri: `${BASE}/Observation-1-1.ndjson` },
      ],
    });
  });

  it("adds inputSource right after mode when an attempt tag is given", () => {
    const { payloads } = runAll(makeOutputs(1), { attemptTag: "a1" });
    expect(payloads[0]!.body.parameter.slice(0, 3)).toEqual([
      ...HEADER,
      { name: "inputSource", valueUri: "urn:fhir-migrate:a1" },
    ]);
  });

  it("makes bodies differ only by inputSource between two attempt tags", () => {
    const outputs = makeOutputs(3);
    const first = runAll(outputs, { attemptTag: "a1" }).payloads[0]!.body;
    const second = runAll(outputs, { attemptTag: "a2" }).payloads[0]!.body;
    expect(first).not.toEqual(second);
    expect(first.parameter.filter((p) => p.name !== "inputSource")).toEqual(
      second.parameter.filter((p) => p.name !== "inputSource"),
    );
  });

  it("sends no inputSource without an attempt tag", () => {
    const { payloads } = runAll(makeOutputs(1));
    expect(payloads[0]!.body.parameter.map((p) => p.name)).toEqual([
      "inputFormat",
      "mode",
      "input",
    ]);
  });
});

describe("buildImportPayloads: large manifests", () => {
  const cases = [
    { files: 10_000, searchParameters: 3, inputCounts: [10_000] },
    { files: 10_001, searchParameters: 3, inputCounts: [10_000, 1] },
    { files: 25_000, searchParameters: 5, inputCounts: [10_000, 10_000, 5_000] },
  ];

  // One run per case, shared by the assertions below.
  const runs = new Map(
    cases.map((c) => {
      const outputs = makeOutputs(c.files, c.searchParameters);
      return [c.files, { outputs, ...runAll(outputs) }] as const;
    }),
  );
  const runFor = (files: number): ReturnType<typeof runAll> & { outputs: ExportOutputFile[] } =>
    runs.get(files)!;

  it.each(cases)(
    "$files files + $searchParameters SearchParameter files -> bodies of $inputCounts",
    ({ files, inputCounts }) => {
      const { payloads, summary } = runFor(files);
      expect(payloads.map((p) => p.inputCount)).toEqual(inputCounts);
      expect(payloads.map((p) => p.index)).toEqual(inputCounts.map((_, i) => i + 1));
      for (const payload of payloads) {
        expect(payload.body.parameter).toHaveLength(HEADER.length + payload.inputCount);
        expect(payload.body.parameter.slice(0, HEADER.length)).toEqual(HEADER);
      }
      expect(summary.payloads).toBe(inputCounts.length);
      expect(summary.files).toBe(files);
    },
  );

  it.each(cases)(
    "$files files: inputs are the data files in manifest order, each once",
    ({ files }) => {
      const { outputs, payloads } = runFor(files);
      const inputs = payloads.flatMap((p) => inputsOf(p.body));
      const expected = outputs
        .filter((o) => o.type !== "SearchParameter")
        .map((o) => ({ type: o.type, url: o.url }));
      expect(inputs).toEqual(expected);
      expect(new Set(inputs.map((i) => i.url)).size).toBe(inputs.length);
    },
  );

  it.each(cases)(
    "$files files: SearchParameter files are excluded and counted",
    ({ files, searchParameters }) => {
      const { outputs, payloads, summary } = runFor(files);
      const inputs = payloads.flatMap((p) => inputsOf(p.body));
      expect(inputs.some((i) => i.type === "SearchParameter")).toBe(false);
      const spOutputs = outputs.filter((o) => o.type === "SearchParameter");
      expect(spOutputs).toHaveLength(searchParameters);
      expect(summary.searchParameterFiles).toBe(searchParameters);
      expect(summary.searchParameterResources).toBe(
        spOutputs.reduce((sum, o) => sum + (o.count ?? 0), 0),
      );
    },
  );

  it.each(cases)("$files files: per-body resource counts add up to the summary", ({ files }) => {
    const { outputs, payloads, summary } = runFor(files);
    const expected: Record<string, number> = {};
    for (const o of outputs) {
      if (o.type !== "SearchParameter") expected[o.type] = (expected[o.type] ?? 0) + o.count!;
    }
    expect(summary.resourcesByType).toEqual(expected);
    const summed: Record<string, number> = {};
    for (const p of payloads) {
      for (const [type, n] of Object.entries(p.resourcesByType)) {
        summed[type] = (summed[type] ?? 0) + n;
      }
    }
    expect(summed).toEqual(expected);
    expect(summary.resources).toBe(Object.values(expected).reduce((a, b) => a + b, 0));
  });

  it("matches the committed SHA-256 of every body's canonical JSON", () => {
    const digests = Object.fromEntries(
      cases.map((c) => [
        String(c.files),
        runFor(c.files).payloads.map((p) => sha256(canonicalJson(p.body))),
      ]),
    );
    expectGolden("large.sha256.json", digests);
  });
});

describe("buildImportPayloads: streaming", () => {
  it("reads only as far as the first body before yielding it", () => {
    const outputs = makeOutputs(25, 1);
    let pulled = 0;
    const counting = function* (): Generator<ExportOutputFile> {
      for (const o of outputs) {
        pulled += 1;
        yield o;
      }
    };
    const generator = buildImportPayloads(counting(), { fileCount: 10 });
    const first = generator.next();
    expect(first.done).toBe(false);
    // The SearchParameter file sits at position 13, inside the second body.
    expect(pulled).toBe(10);
    generator.next();
    expect(pulled).toBe(21);
  });
});

describe("buildImportPayloads: options", () => {
  it.each([0, 10_001, 1.5, Number.NaN])("rejects fileCount %s", (fileCount) => {
    expect(() => buildImportPayloads(makeOutputs(1), { fileCount })).toThrow(
      "expected a whole number from 1 to 10000",
    );
  });

  it.each(["", "has space", "-leading-dash", "x".repeat(201), "a/b"])(
    "rejects attempt tag %j",
    (attemptTag) => {
      expect(() => buildImportPayloads(makeOutputs(1), { attemptTag })).toThrow(
        "attemptTag: received",
      );
    },
  );
});

describe("buildImportPayloads: invalid manifests", () => {
  const good = (n: number): ExportOutputFile => ({
    type: "Patient",
    url: `${BASE}/Patient-1-${n}.ndjson`,
    count: 1,
  });

  it("rejects a url repeated in a later body, naming it", () => {
    const outputs = [good(1), good(2), good(3), good(1)];
    expect(() => runAll(outputs, { fileCount: 2 })).toThrow(
      `output[3]: duplicate url ${BASE}/Patient-1-1.ndjson (first at output[0])`,
    );
  });

  it("rejects a url with a query string without echoing the query (it may be a SAS token)", () => {
    const outputs = [{ ...good(1), url: `${BASE}/Patient-1-1.ndjson?sv=2022&sig=SECRETSIG` }];
    let thrown: unknown;
    try {
      runAll(outputs);
    } catch (error) {
      thrown = error;
    }
    expect(isExportManifestError(thrown)).toBe(true);
    const message = (thrown as Error).message;
    expect(message).toContain(
      `output[0]: url ${BASE}/Patient-1-1.ndjson?sv=REDACTED&sig=REDACTED has a query string`,
    );
    expect(message).not.toContain("SECRETSIG");
  });

  it("rejects an entry without type", () => {
    const outputs = [{ url: `${BASE}/x.ndjson` } as ExportOutputFile];
    expect(() => runAll(outputs)).toThrow("output[0]: missing `type`");
  });

  it("rejects an entry without url", () => {
    const outputs = [good(1), { type: "Patient" } as ExportOutputFile];
    expect(() => runAll(outputs)).toThrow("output[1]: missing `url`");
  });

  it("rejects a relative url", () => {
    const outputs = [{ ...good(1), url: "export-4721/Patient-1-1.ndjson" }];
    expect(() => runAll(outputs)).toThrow("is not absolute");
  });

  it("rejects a non-http url", () => {
    const outputs = [{ ...good(1), url: "file:///tmp/Patient-1-1.ndjson" }];
    expect(() => runAll(outputs)).toThrow("uses file:; expected an http(s) blob URL");
  });

  it("rejects a type that is not an R4 resource type", () => {
    const outputs = [{ ...good(1), type: "patient" }];
    expect(() => runAll(outputs)).toThrow('type "patient" is not a FHIR R4 resource type');
  });

  it("rejects a negative count", () => {
    const outputs = [{ ...good(1), count: -1 }];
    expect(() => runAll(outputs)).toThrow("count -1 is not a whole number >= 0");
  });

  it("rejects an entry that is not an object", () => {
    const outputs = [good(1), "Patient-1-2.ndjson" as unknown as ExportOutputFile];
    expect(() => runAll(outputs)).toThrow("output[1]: expected an object");
  });
});

describe("validateExportOutputs", () => {
  it("returns the number of bodies and files for a valid manifest", () => {
    expect(validateExportOutputs(makeOutputs(25_000, 5))).toEqual({
      payloads: 3,
      files: 25_000,
      searchParameterFiles: 5,
    });
    expect(validateExportOutputs(makeOutputs(7), { fileCount: 2 })).toMatchObject({ payloads: 4 });
    expect(validateExportOutputs([])).toMatchObject({ payloads: 0, files: 0 });
  });

  it("lists every problem in one error", () => {
    const outputs = [
      { type: "Patient", url: `${BASE}/a.ndjson` },
      { url: `${BASE}/b.ndjson` },
      { type: "Patient", url: `${BASE}/a.ndjson` },
    ] as ExportOutputFile[];
    let thrown: unknown;
    try {
      validateExportOutputs(outputs);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ExportManifestError);
    expect((thrown as ExportManifestError).problems.map((p) => p.index)).toEqual([1, 2]);
    expect((thrown as Error).message).toContain("Invalid export manifest (2 problem(s))");
  });

  it("shows at most 20 problems in the message and says how many more there are", () => {
    const outputs = Array.from({ length: 25 }, () => ({ type: "Patient" }) as ExportOutputFile);
    expect(() => validateExportOutputs(outputs)).toThrow("... and 5 more");
  });
});

describe("storeImportPayloads", () => {
  it("stores nothing when any entry is invalid, even one after a full body", async () => {
    const outputs = [...makeOutputs(4), { type: "Patient", url: `${BASE}/x.ndjson?sig=1` }];
    const stored: number[] = [];
    await expect(
      storeImportPayloads(outputs, { fileCount: 2 }, async (p) => {
        stored.push(p.index);
      }),
    ).rejects.toThrow("output[4]: url");
    expect(stored).toEqual([]);
  });

  it("waits for each store before handing over the next body, and returns the summary", async () => {
    const events: string[] = [];
    const summary = await storeImportPayloads(
      makeOutputs(5, 1),
      { fileCount: 2 },
      async (p, total) => {
        events.push(`start ${p.index}/${total}`);
        await new Promise((resolve) => setImmediate(resolve));
        events.push(`end ${p.index}`);
      },
    );
    expect(events).toEqual(["start 1/3", "end 1", "start 2/3", "end 2", "start 3/3", "end 3"]);
    expect(summary).toMatchObject({ payloads: 3, files: 5, searchParameterFiles: 1 });
  });
});
