import { describe, expect, it } from "vitest";
import {
  afterContentFailure,
  classifyImportFailure,
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
    expect(classifyImportFailure(400, failed("Conversion overflows.", A), [A, B])).toEqual({
      kind: "content",
      inputUrl: A,
      reason: "Conversion overflows.",
    });
  });

  it("a 500 is systemic: its reason is hidden", () => {
    expect(classifyImportFailure(500, failed("InternalServerError", A), [A])).toMatchObject({
      kind: "systemic",
    });
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
    expect(classifyImportFailure(400, failed("Conversion overflows.", B), [A])).toMatchObject({
      kind: "systemic",
    });
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

  it("halts as systemic when many parts failed and none imported", () => {
    const parts = Array.from({ length: SYSTEMIC_FAILURE_RUN }, (_, i) => part(`p${i}`, "Split", 1));
    expect(planIsolation(parts, 8, 100).halt).toContain("every isolation job failed");
  });

  it("does not call it systemic when a part imported", () => {
    const parts = [
      ...Array.from({ length: SYSTEMIC_FAILURE_RUN }, (_, i) => part(`p${i}`, "Split", 1)),
      part("ok", "Imported", 1),
    ];
    expect(planIsolation(parts, 9, 100).halt).toBeUndefined();
  });
});
