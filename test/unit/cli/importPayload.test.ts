import { mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TokenCredential } from "@azure/identity";
import {
  createExportStatusReader,
  importPayload,
  payloadFileName,
  runImportPayload,
  type ImportPayloadCliOptions,
  type ImportPayloadIo,
} from "../../../src/cli/actions/importPayload";
import { register } from "../../../src/cli/commands/importPayload";
import { attachRuntime, type CliRuntime } from "../../../src/cli/runtime";
import { buildImportPayloads } from "../../../src/core/importPayload";
import { FhirOperationError } from "../../../src/errors";
import type { ExportManifest, ExportOutputFile, ExportStatus } from "../../../src/fhir/types";

const BASE = "https://stagingacct.blob.core.windows.net/export-4721";
const STATUS_URL = "https://myfhir.azurehealthcareapis.com/_operations/export/4721";

function outputs(files: number, searchParameters = 0): ExportOutputFile[] {
  const list: ExportOutputFile[] = [];
  for (let i = 1; i <= files; i += 1) {
    const type = i % 2 === 0 ? "Observation" : "Patient";
    list.push({ type, url: `${BASE}/${type}-4730-${i}.ndjson`, count: i * 10 });
  }
  for (let i = 1; i <= searchParameters; i += 1) {
    list.push({
      type: "SearchParameter",
      url: `${BASE}/SearchParameter-4731-${i}.ndjson`,
      count: 4,
    });
  }
  return list;
}

function manifest(output: ExportOutputFile[]): ExportManifest {
  return {
    transactionTime: "2024-03-05T10:21:07.203+00:00",
    request: "https://myfhir.azurehealthcareapis.com/$export?_since=2024-01-01T00:00:00.000Z",
    requiresAccessToken: false,
    output,
    error: [],
  };
}

interface Captured extends ImportPayloadIo {
  out: string[];
  err: string[];
  statusCalls: string[];
}

function fakeIo(status?: ExportStatus | Error): Captured {
  const io: Captured = {
    out: [],
    err: [],
    statusCalls: [],
    cwd: work,
    stdout: (text) => io.out.push(text),
    stderr: (text) => io.err.push(text),
    getExportStatus: async (url) => {
      io.statusCalls.push(url);
      if (status === undefined) throw new Error("getExportStatus should not have been called");
      if (status instanceof Error) throw status;
      return status;
    },
  };
  return io;
}

let work: string;
let outDir: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "import-payload-cli-"));
  outDir = join(work, "payloads");
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function writeManifest(body: unknown, name = "status.json"): Promise<string> {
  const path = join(work, name);
  await writeFile(path, typeof body === "string" ? body : JSON.stringify(body));
  return path;
}

async function listOut(): Promise<string[]> {
  try {
    return (await readdir(outDir)).sort();
  } catch {
    return [];
  }
}

async function run(options: ImportPayloadCliOptions, io = fakeIo()): Promise<[number, Captured]> {
  return [await runImportPayload(options, io), io];
}

describe("import-payload --manifest", () => {
  it("writes zero-padded payload files holding the built bodies", async () => {
    const list = outputs(5, 2);
    const path = await writeManifest(manifest(list));
    const [code] = await run({ manifest: path, out: outDir, fileCount: "2" });
    expect(code).toBe(0);
    expect(await listOut()).toEqual([
      "import_payload_0001.json",
      "import_payload_0002.json",
      "import_payload_0003.json",
    ]);
    const expected = [...buildImportPayloads(list, { fileCount: 2 })].map((p) => p.body);
    for (const [i, body] of expected.entries()) {
      const text = await readFile(join(outDir, payloadFileName(i + 1, 3)), "utf8");
      expect(JSON.parse(text)).toEqual(body);
    }
  });

  it("puts 10,000 inputs per file by default", async () => {
    const path = await writeManifest(manifest(outputs(10_001)));
    const [code] = await run({ manifest: path, out: outDir });
    expect(code).toBe(0);
    const first = JSON.parse(await readFile(join(outDir, "import_payload_0001.json"), "utf8"));
    const second = JSON.parse(await readFile(join(outDir, "import_payload_0002.json"), "utf8"));
    const inputs = (body: { parameter: { name: string }[] }): number =>
      body.parameter.filter((p) => p.name === "input").length;
    expect([inputs(first), inputs(second)]).toEqual([10_000, 1]);
  });

  it("prints a summary with payloads, files, resources per type and excluded SearchParameter files", async () => {
    const path = await writeManifest(manifest(outputs(3, 2)));
    const [, io] = await run({ manifest: path, out: outDir });
    const text = io.out.join("");
    expect(text).toContain("import_payload_0001.json");
    expect(text).toMatch(/Payloads\s+1\n/);
    expect(text).toMatch(/Input files\s+3\n/);
    expect(text).toMatch(/SearchParameter files excluded\s+2\n/);
    expect(text).toMatch(/SearchParameter resources excluded\s+8\n/);
    expect(text).toMatch(/Patient\s+2\s+40\n/);
    expect(text).toMatch(/Observation\s+1\s+20\n/);
  });

  it("passes the attempt tag into every body as inputSource", async () => {
    const path = await writeManifest(manifest(outputs(1)));
    await run({ manifest: path, out: outDir, attemptTag: "retry-2" });
    const body = JSON.parse(await readFile(join(outDir, "import_payload_0001.json"), "utf8"));
    expect(body.parameter).toContainEqual({
      name: "inputSource",
      valueUri: "urn:fhir-migrate:retry-2",
    });
  });

  it("writes nothing and exits 0 when the manifest has no importable files", async () => {
    const path = await writeManifest(manifest(outputs(0, 1)));
    const [code, io] = await run({ manifest: path, out: outDir });
    expect(code).toBe(0);
    expect(await listOut()).toEqual([]);
    expect(io.out.join("")).toContain("No import payloads written");
  });

  it("exits 2 naming a duplicate url, and writes nothing", async () => {
    const list = outputs(3);
    list.push({ ...list[0]! });
    const path = await writeManifest(manifest(list));
    const [code, io] = await run({ manifest: path, out: outDir, fileCount: "1" });
    expect(code).toBe(2);
    expect(io.err.join("")).toContain(
      `output[3]: duplicate url ${BASE}/Patient-4730-1.ndjson (first at output[0])`,
    );
    await expect(stat(outDir)).rejects.toThrow("ENOENT");
  });

  it("exits 2 on an input url with a query string, without printing the query", async () => {
    const path = await writeManifest(
      manifest([{ type: "Patient", url: `${BASE}/Patient-1-1.ndjson?sv=1&sig=SECRETSIG` }]),
    );
    const [code, io] = await run({ manifest: path, out: outDir });
    expect(code).toBe(2);
    expect(io.err.join("")).toContain("has a query string");
    expect(io.err.join("")).not.toContain("SECRETSIG");
  });

  it("exits 2 on an entry without type", async () => {
    const path = await writeManifest(manifest([{ url: `${BASE}/x.ndjson` } as ExportOutputFile]));
    const [code, io] = await run({ manifest: path, out: outDir });
    expect(code).toBe(2);
    expect(io.err.join("")).toContain("output[0]: missing `type`");
  });

  it("exits 2 when the file is not JSON", async () => {
    const path = await writeManifest("{not json");
    const [code, io] = await run({ manifest: path, out: outDir });
    expect(code).toBe(2);
    expect(io.err.join("")).toContain(`${path} is not JSON`);
  });

  it("exits 2 when the JSON has no output array", async () => {
    const path = await writeManifest({ resourceType: "Parameters" });
    const [code, io] = await run({ manifest: path, out: outDir });
    expect(code).toBe(2);
    expect(io.err.join("")).toContain(
      'expected the JSON body of a completed export status (an object with an "output" array)',
    );
  });

  it("exits 2 when the file does not exist", async () => {
    const [code, io] = await run({ manifest: join(work, "missing.json"), out: outDir });
    expect(code).toBe(2);
    expect(io.err.join("")).toContain("--manifest: cannot read");
  });

  it("exits 2 and keeps existing payload files when --out already holds some", async () => {
    const path = await writeManifest(manifest(outputs(2)));
    await run({ manifest: path, out: outDir });
    const before = await readFile(join(outDir, "import_payload_0001.json"), "utf8");
    const [code, io] = await run({
      manifest: await writeManifest(manifest(outputs(4)), "b.json"),
      out: outDir,
    });
    expect(code).toBe(2);
    expect(io.err.join("")).toContain("already holds 1 import payload file(s)");
    expect(await readFile(join(outDir, "import_payload_0001.json"), "utf8")).toBe(before);
  });
});

describe("import-payload usage errors", () => {
  it.each([
    [{}, "Give exactly one of --export-status-url URL and --manifest FILE"],
    [{ manifest: "a.json", exportStatusUrl: STATUS_URL }, "Give exactly one of"],
    [{ manifest: "a.json" }, "--out DIR is required"],
    [{ manifest: "a.json", out: " " }, "--out DIR is required"],
    [
      { manifest: "a.json", out: "o", fileCount: "0" },
      '--file-count: received "0"; expected a whole number from 1 to 10000',
    ],
    [{ manifest: "a.json", out: "o", fileCount: "10001" }, '--file-count: received "10001"'],
    [{ manifest: "a.json", out: "o", fileCount: "1e3" }, '--file-count: received "1e3"'],
    [
      { manifest: "a.json", out: "o", attemptTag: "has space" },
      '--attempt-tag: received "has space"',
    ],
    [{ exportStatusUrl: "not a url", out: "o" }, '--export-status-url: received "not a url"'],
    [
      { exportStatusUrl: "https://myfhir.azurehealthcareapis.com/_operations/import/12", out: "o" },
      "expected the Content-Location of an $export",
    ],
  ] as [ImportPayloadCliOptions, string][])("%j -> exit 2", async (options, message) => {
    const [code, io] = await run(options);
    expect(code).toBe(2);
    expect(io.err.join("")).toContain(message);
    expect(io.statusCalls).toEqual([]);
  });
});

describe("import-payload --export-status-url", () => {
  it("reads the manifest from the status URL and writes the payloads", async () => {
    const io = fakeIo({ state: "completed", manifest: manifest(outputs(3, 1)) });
    const [code] = await run({ exportStatusUrl: STATUS_URL, out: outDir }, io);
    expect(code).toBe(0);
    expect(io.statusCalls).toEqual([STATUS_URL]);
    expect(await listOut()).toEqual(["import_payload_0001.json"]);
  });

  it("exits 1 and writes nothing while the export is still running", async () => {
    const io = fakeIo({ state: "running" });
    const [code] = await run({ exportStatusUrl: STATUS_URL, out: outDir }, io);
    expect(code).toBe(1);
    expect(io.err.join("")).toContain("is still running (HTTP 202)");
    expect(await listOut()).toEqual([]);
  });

  it("exits 1 with the server's reason when the status GET fails", async () => {
    const failure = new FhirOperationError(
      `GET ${STATUS_URL} failed with HTTP 404: The requested job "4721" was not found.`,
      { method: "GET", url: STATUS_URL, status: 404 },
      'The requested job "4721" was not found.',
    );
    const [code, io] = await run({ exportStatusUrl: STATUS_URL, out: outDir }, fakeIo(failure));
    expect(code).toBe(1);
    expect(io.err.join("")).toContain('The requested job "4721" was not found.');
  });

  it("exits 2 when the completed manifest is invalid", async () => {
    const io = fakeIo({
      state: "completed",
      manifest: manifest([{ type: "Patient", url: "Patient-1.ndjson" }]),
    });
    const [code, err] = await run({ exportStatusUrl: STATUS_URL, out: outDir }, io);
    expect(code).toBe(2);
    expect(err.err.join("")).toContain("is not absolute");
  });
});

describe("payloadFileName", () => {
  it.each([
    [1, 1, "import_payload_0001.json"],
    [12, 12, "import_payload_0012.json"],
    [9999, 9999, "import_payload_9999.json"],
    [7, 10_000, "import_payload_00007.json"],
    [100_000, 100_000, "import_payload_100000.json"],
  ])("payload %i of %i -> %s", (index, total, name) => {
    expect(payloadFileName(index, total)).toBe(name);
  });
});

describe("createExportStatusReader", () => {
  function fakeFetch(response: () => Response) {
    const calls: { url: string; headers: Record<string, string> }[] = [];
    const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
      calls.push({ url: String(input), headers: (init?.headers ?? {}) as Record<string, string> });
      return response();
    }) as typeof fetch;
    return { calls, fetchFn };
  }
  const scopes: string[] = [];
  const credential: TokenCredential = {
    getToken: async (scope) => {
      scopes.push(String(scope));
      return { token: "token-value", expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
  const noSleep = async (): Promise<void> => {};

  beforeEach(() => {
    scopes.length = 0;
  });

  it("maps 202 to running", async () => {
    const { fetchFn } = fakeFetch(() => new Response(null, { status: 202 }));
    const read = createExportStatusReader({ fetch: fetchFn, credential, sleep: noSleep });
    await expect(read(STATUS_URL)).resolves.toEqual({ state: "running" });
  });

  it("maps 200 to the manifest, with a token for the server's origin", async () => {
    const body = manifest(outputs(1));
    const { calls, fetchFn } = fakeFetch(() => new Response(JSON.stringify(body), { status: 200 }));
    const read = createExportStatusReader({ fetch: fetchFn, credential, sleep: noSleep });
    const status = await read(STATUS_URL);
    expect(status.state === "completed" && status.manifest.output).toEqual(body.output);
    expect(calls.map((c) => c.url)).toEqual([STATUS_URL]);
    expect(calls[0]?.headers.Authorization).toBe("Bearer token-value");
    expect(scopes).toEqual(["https://myfhir.azurehealthcareapis.com/.default"]);
  });

  it("sends no token to a loopback emulator", async () => {
    const { calls, fetchFn } = fakeFetch(() => new Response(null, { status: 202 }));
    await createExportStatusReader({ fetch: fetchFn, sleep: noSleep })(
      "http://127.0.0.1:8080/fhir/_operations/export/1",
    );
    expect(calls.map((c) => c.url)).toEqual(["http://127.0.0.1:8080/fhir/_operations/export/1"]);
    expect(calls[0]?.headers.Authorization).toBeUndefined();
  });

  it("throws the server's diagnostics for an unknown job", async () => {
    const outcome = {
      resourceType: "OperationOutcome",
      issue: [
        {
          severity: "error",
          code: "not-found",
          diagnostics: 'The requested job "4721" was not found.',
        },
      ],
    };
    const { fetchFn } = fakeFetch(() => new Response(JSON.stringify(outcome), { status: 404 }));
    const read = createExportStatusReader({ fetch: fetchFn, credential, sleep: noSleep });
    await expect(read(STATUS_URL)).rejects.toThrow('The requested job "4721" was not found.');
  });
});

function testRuntime(): CliRuntime & { out: string[]; err: string[] } {
  const runtime = {
    env: {},
    cwd: work,
    out: [] as string[],
    err: [] as string[],
    stdout: (text: string) => void runtime.out.push(text),
    stderr: (text: string) => void runtime.err.push(text),
  };
  return runtime;
}

function testProgram(runtime: CliRuntime): Command {
  const program = new Command("fhir-migrate")
    .option("--json")
    .exitOverride()
    .configureOutput({ writeOut: runtime.stdout, writeErr: runtime.stderr });
  attachRuntime(program, runtime);
  register(program);
  return program;
}

describe("register", () => {
  it("adds an import-payload command that resolves paths against the runtime's folder", async () => {
    const runtime = testRuntime();
    await writeManifest(manifest(outputs(3)), "status.json");
    await testProgram(runtime).parseAsync(
      ["import-payload", "--manifest", "status.json", "--out", "payloads", "--file-count", "2"],
      { from: "user" },
    );
    expect(await listOut()).toEqual(["import_payload_0001.json", "import_payload_0002.json"]);
    expect(runtime.out.join("")).toContain("Wrote 2 import payload file(s)");
  });

  it("prints one JSON document with the global --json flag", async () => {
    const runtime = testRuntime();
    await writeManifest(manifest(outputs(3, 1)), "status.json");
    await testProgram(runtime).parseAsync(
      ["--json", "import-payload", "--manifest", "status.json", "--out", "payloads"],
      { from: "user" },
    );
    const report = JSON.parse(runtime.out.join(""));
    expect(report).toMatchObject({
      ok: true,
      files: ["import_payload_0001.json"],
      summary: { payloads: 1, files: 3, searchParameterFiles: 1 },
    });
  });

  it("throws a UsageError (exit 2 in main) for a bad manifest", async () => {
    const runtime = testRuntime();
    await writeManifest("[]", "status.json");
    const parsing = testProgram(runtime).parseAsync(
      ["import-payload", "--manifest", "status.json", "--out", "payloads"],
      { from: "user" },
    );
    await expect(parsing).rejects.toThrow(expect.objectContaining({ name: "UsageError" }));
  });

  it("says in --help that file names are zero-padded", () => {
    const program = testProgram(testRuntime());
    const help = program.commands.find((c) => c.name() === "import-payload")?.helpInformation();
    expect(help).toContain("import_payload_0001.json");
    expect(help).toContain("zero-padded");
  });
});

describe("importPayload", () => {
  it("returns the report it printed", async () => {
    const path = await writeManifest(manifest(outputs(2)));
    const report = await importPayload({ manifest: path, out: outDir }, fakeIo());
    expect(report).toMatchObject({ ok: true, outDir, files: ["import_payload_0001.json"] });
  });

  it("throws a UsageError for a duplicate url", async () => {
    const list = outputs(2);
    const path = await writeManifest(manifest([...list, list[1]!]));
    await expect(importPayload({ manifest: path, out: outDir }, fakeIo())).rejects.toThrow(
      expect.objectContaining({
        name: "UsageError",
        message: expect.stringContaining("duplicate url"),
      }),
    );
  });
});
