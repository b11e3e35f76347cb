import { describe, expect, it } from "vitest";
import {
  afterContentFailure,
  classifyImportFailure,
  diagnoseNow,
  isolationVerdict,
  parentOf,
  partReason,
  refusalReason,
  splitRange,
  newPart,
  planIsolation,
  SYSTEMIC_FAILURE_RUN,
  type IsolationPart,
} from "../../../src/core/importIsolation";

const A = "https://acct.blob.core.windows.net/export-1/Observation-1.ndjson";
const B = "https://acct.blob.core.windows.net/export-1/Patient-1.ndjson";
const failed = (reason: string, url: string) =>
  `import operation failed for reason: ${reason} ErrorFile: ${url}`;

describe("classifyImportFailure", () => {
  it("a 400 naming one of the job's files is a content failure with the server's reason", () => {
    expect(classifyImportFailure(400, failed("Arithmetic Overflow.", A), [A, B])).toEqual({
      kind: "content",
      inputUrl: A,
      reason: "Arithmetic Overflow.",
      hidden: false,
      status: 400,
    });
  });

  it("a 500 naming a file may be the content's, with its reason hidden", () => {
    expect(classifyImportFailure(500, failed("InternalServerError", A), [A])).toEqual({
      kind: "content",
      inputUrl: A,
      reason: "InternalServerError",
      hidden: true,
      status: 500,
    });
  });

  it("a 500 naming no file may be the content's too (no file named)", () => {
    expect(
      classifyImportFailure(500, "import operation failed for reason: InternalServerError", [A, B]),
    ).toMatchObject({ kind: "content", inputUrl: undefined, hidden: true });
  });

  it("AHDS's full database is systemic although it names the job's own input file", () => {
    const message = failed("The database 'fhirdb' has reached its size quota.", A);
    expect(classifyImportFailure(500, message, [A])).toMatchObject({
      kind: "systemic",
      why: "the destination's storage is full",
    });
    expect(classifyImportFailure(400, message, [A])).toMatchObject({ kind: "systemic" });
  });

  it("throttling is systemic, by status or by text", () => {
    expect(classifyImportFailure(429, failed("x", A), [A])).toMatchObject({ kind: "systemic" });
    expect(
      classifyImportFailure(500, failed("Too many requests, retry later", A), [A]),
    ).toMatchObject({ kind: "systemic", why: "the destination is throttling" });
  });

  it("a missing blob (404) is systemic", () => {
    expect(
      classifyImportFailure(404, "import operation failed for reason: BlobNotFound", [A]),
    ).toMatchObject({ kind: "systemic", why: "an input file is missing" });
  });

  it("an access problem named as a 400 is systemic", () => {
    const message = failed("Due to unauthorized request, import processing operation failed.", A);
    expect(classifyImportFailure(400, message, [A])).toMatchObject({ kind: "systemic" });
  });

  it("a 400 that names no file is systemic", () => {
    expect(classifyImportFailure(400, "import operation failed for reason: x", [A])).toMatchObject({
      kind: "systemic",
      why: "the failure names no input file",
    });
  });

  it("a 400 naming a file that is not the job's is systemic", () => {
    expect(classifyImportFailure(400, failed("Arithmetic Overflow.", B), [A])).toMatchObject({
      kind: "systemic",
    });
  });
});

describe("diagnoseNow", () => {
  const hidden = classifyImportFailure(500, failed("InternalServerError", A), [A]);
  const named = classifyImportFailure(400, failed("Arithmetic Overflow.", A), [A]);
  const before =
    "import operation failed for reason: InternalServerError ErrorFile: x (not isolated)";

  it("a failure the server explains is diagnosed at once", () => {
    expect(diagnoseNow(named, { attempts: 1, failureReason: undefined }, 3)).toBe(true);
  });

  it("a hidden reason is retried first", () => {
    expect(diagnoseNow(hidden, { attempts: 2, failureReason: before }, 3)).toBe(false);
  });

  it("a hidden reason is diagnosed when the last attempt fails the same way as the one before", () => {
    expect(diagnoseNow(hidden, { attempts: 3, failureReason: before }, 3)).toBe(true);
  });

  it("a last attempt that failed differently from the one before is not diagnosed (it halts)", () => {
    expect(diagnoseNow(hidden, { attempts: 3, failureReason: "timed out" }, 3)).toBe(false);
  });

  it("with one attempt allowed there is nothing to compare: diagnosed at once", () => {
    expect(diagnoseNow(hidden, { attempts: 1, failureReason: undefined }, 1)).toBe(true);
  });

  it("a systemic failure is never diagnosed", () => {
    const full = classifyImportFailure(500, failed("has reached its size quota", A), [A]);
    expect(diagnoseNow(full, { attempts: 3, failureReason: before }, 3)).toBe(false);
  });
});

describe("refusal reasons", () => {
  it("the server's words when it gave them", () => {
    const named = classifyImportFailure(400, failed("Arithmetic Overflow.", A), [A]);
    if (named.kind !== "content") throw new Error("expected content");
    expect(refusalReason(partReason(named))).toBe("Arithmetic Overflow.");
  });

  it("what the diagnosis inferred when the server hid them, with the value that explains it", () => {
    const hidden = classifyImportFailure(500, failed("InternalServerError", A), [A]);
    if (hidden.kind !== "content") throw new Error("expected content");
    const text = refusalReason(partReason(hidden), "it holds valueQuantity.value 5e18");
    expect(text).toMatch(
      /^Inferred: the destination fails any import job holding this resource \(500 \(InternalServerError\); the server hides the reason\) while the other parts of the same job imported; it holds valueQuantity.value 5e18$/,
    );
  });
});

describe("afterContentFailure", () => {
  const files = newPart("r", {
    kind: "files",
    inputs: [
      { url: A, type: "Observation" },
      { url: B, type: "Patient" },
    ],
  });

  it("whole files: the other files become one part and the failing file is split in four", () => {
    const { children, refused } = afterContentFailure(files, B, 7);
    expect(refused).toBe(false);
    expect(children.map((c) => [c.id, c.source])).toEqual([
      ["r.o", { kind: "files", inputs: [{ url: A, type: "Observation" }] }],
      ["r.x1.a", { kind: "lines", url: B, type: "Patient", from: 1, to: 2 }],
      ["r.x1.b", { kind: "lines", url: B, type: "Patient", from: 3, to: 4 }],
      ["r.x1.c", { kind: "lines", url: B, type: "Patient", from: 5, to: 6 }],
      ["r.x1.d", { kind: "lines", url: B, type: "Patient", from: 7, to: 7 }],
    ]);
  });

  it("a failing one-line file is refused at once, without another job", () => {
    const single = newPart("r", { kind: "files", inputs: [{ url: A, type: "Observation" }] });
    const { children } = afterContentFailure(single, A, 1);
    expect(children.map((c) => [c.id, c.status])).toEqual([["r.x0", "Refused"]]);
  });

  it("a range of two lines is split into its two lines", () => {
    const part = newPart("r.x0.a", { kind: "lines", url: A, type: undefined, from: 3, to: 4 });
    expect(afterContentFailure(part, A, 0).children.map((c) => c.source)).toEqual([
      { kind: "lines", url: A, type: undefined, from: 3, to: 3 },
      { kind: "lines", url: A, type: undefined, from: 4, to: 4 },
    ]);
  });

  it("splitRange covers the range exactly, in order, in parts of nearly equal length", () => {
    const parts = splitRange("p", { url: A, type: undefined, from: 11, to: 20 });
    expect(
      parts.map((p) => (p.source.kind === "lines" ? [p.source.from, p.source.to] : [])),
    ).toEqual([
      [11, 13],
      [14, 16],
      [17, 18],
      [19, 20],
    ]);
  });

  it("one line is refused", () => {
    const part = newPart("r.x0.a", { kind: "lines", url: A, type: undefined, from: 5, to: 5 });
    expect(afterContentFailure(part, A, 0)).toEqual({ children: [], refused: true });
  });

  it("whole files and no file named: each file becomes a part of its own", () => {
    expect(afterContentFailure(files, undefined, 0).children.map((c) => [c.id, c.source])).toEqual([
      ["r.f0", { kind: "files", inputs: [{ url: A, type: "Observation" }] }],
      ["r.f1", { kind: "files", inputs: [{ url: B, type: "Patient" }] }],
    ]);
  });

  it("parentOf names the part whose failure made a part", () => {
    expect(["r.o", "r.x2.a", "r.x0", "r.f1", "r.x2.a.c", "r.o.x1.b"].map(parentOf)).toEqual([
      "r",
      "r",
      "r",
      "r",
      "r.x2.a",
      "r.o",
    ]);
  });

  it("the same failure gives the same children (a crash in between writes the same rows)", () => {
    expect(afterContentFailure(files, A, 10)).toEqual(afterContentFailure(files, A, 10));
  });
});

describe("planIsolation", () => {
  const part = (id: string, status: IsolationPart["status"], attempts = 0): IsolationPart => ({
    ...newPart(id, { kind: "lines", url: A, type: undefined, from: 1, to: 2 }),
    status,
    attempts,
  });

  it("starts pending parts within the concurrency limit", () => {
    const plan = planIsolation(
      [part("r", "Split"), part("a", "Pending"), part("b", "Pending")],
      0,
      100,
    );
    expect(plan.start.map((p) => p.id)).toEqual(["a", "b"]);
  });

  it("starts no more jobs than the window's budget has left", () => {
    const plan = planIsolation([part("a", "Pending"), part("b", "Pending")], 99, 100);
    expect(plan.start.map((p) => p.id)).toEqual(["a"]);
  });

  it("halts when pending parts remain, nothing runs and the budget is used up", () => {
    const plan = planIsolation([part("a", "Pending")], 100, 100);
    expect(plan.halt).toContain("AZURE_ImportIsolationJobs");
  });

  it("is complete when every part is imported, split or refused", () => {
    const plan = planIsolation(
      [part("r", "Split"), part("a", "Imported", 1), part("b", "Refused", 1)],
      2,
      100,
    );
    expect(plan.complete).toBe(true);
  });

  it("blames the service when many parts failed and none imported", () => {
    const parts = Array.from({ length: SYSTEMIC_FAILURE_RUN }, (_, i) => ({
      ...part(`r.x0.${"abcdefgh"[i]}.a`, "Split", 1),
      reason: `reason ${i}`,
    }));
    const plan = planIsolation([part("r", "Split"), ...parts, part("r.o", "Running", 1)], 8, 100);
    expect(plan.verdict).toBe("service");
    expect(plan.halt).toContain("8 isolation jobs failed in a row");
  });

  it("does not blame the service when a part imported", () => {
    const parts = [
      ...Array.from({ length: SYSTEMIC_FAILURE_RUN }, (_, i) => part(`r.x0.${i}`, "Split", 1)),
      part("r.o", "Imported", 1),
    ];
    expect(planIsolation(parts, 9, 100)).toMatchObject({ verdict: "input", halt: undefined });
  });
});

describe("isolationVerdict", () => {
  const part = (
    id: string,
    status: IsolationPart["status"],
    reason = "InternalServerError",
  ): IsolationPart => ({
    ...newPart(id, { kind: "lines", url: A, type: undefined, from: 1, to: 2 }),
    status,
    attempts: status === "Pending" ? 0 : 1,
    reason: status === "Imported" || status === "Pending" ? undefined : reason,
  });
  const root = part("r", "Split");

  it("undecided while the first split runs", () => {
    expect(isolationVerdict([root, part("r.o", "Running"), part("r.x0.a", "Split")])).toEqual({
      verdict: undefined,
    });
  });

  it("the input's once any part imported", () => {
    const parts = [
      root,
      part("r.o", "Imported"),
      part("r.x0.a", "Split"),
      part("r.x0.b", "Pending"),
    ];
    expect(isolationVerdict(parts).verdict).toBe("input");
  });

  it("the service's when every part of the first split failed the same way", () => {
    const parts = [
      root,
      part("r.o", "Split"),
      ...["a", "b", "c", "d"].map((x) => part(`r.x1.${x}`, "Split")),
    ];
    const { verdict, why } = isolationVerdict([...parts, part("r.x1.a.a", "Pending")]);
    expect(verdict).toBe("service");
    expect(why).toContain("all 5 part(s) of the job's first split failed the same way");
  });

  it("undecided when the first split failed in different ways: the search goes on", () => {
    const parts = [root, part("r.x0.a", "Split", "one"), part("r.x0.b", "Split", "two")];
    expect(isolationVerdict([...parts, part("r.x0.a.a", "Pending")]).verdict).toBeUndefined();
  });

  it("the service's when a one-line job's only part is its refused line (nothing to compare with)", () => {
    expect(isolationVerdict([root, { ...part("r.x0", "Refused"), attempts: 0 }]).verdict).toBe(
      "service",
    );
  });

  it("planIsolation completes only on the input's verdict", () => {
    const parts = [root, part("r.o", "Imported"), part("r.x0", "Refused")];
    expect(planIsolation(parts, 1, 100)).toMatchObject({ complete: true, verdict: "input" });
  });
});
