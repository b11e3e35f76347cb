/**
 * Every FHIR operation the migration uses, under every kind of HTTP fault: the small migration
 * still completes and every source version is on the destination. The matrix (operation × fault →
 * survived / failed, with the faults the emulators injected) is printed at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AzuriteInstance } from "../../../src/local/azurite";
import { startAzurite } from "../../../src/local/azurite";
import { runVerification } from "../../../src/verify/runVerification";
import type { FaultKind, FhirEmulator, HttpFault, Operation } from "../../../emulator/types";
import type { ResilienceEnvironment } from "./harness";
import { depsFor, expectEveryVersionCopied, migrate, startResilienceEnvironment } from "./harness";
import { printTable } from "../../../demo/table";

type Target = "source" | "destination";

interface OperationCase {
  label: string;
  /** Where the fault goes: one operation on one or both servers. */
  targets: { server: Target; operation: Operation }[];
  /** Faults go in after the migration, around a deep check (reads of both servers). */
  deepCheck?: boolean;
}

const OPERATIONS: OperationCase[] = [
  { label: "export kick-off", targets: [{ server: "source", operation: "export-kickoff" }] },
  { label: "export status", targets: [{ server: "source", operation: "export-status" }] },
  { label: "import kick-off", targets: [{ server: "destination", operation: "import-kickoff" }] },
  { label: "import status", targets: [{ server: "destination", operation: "import-status" }] },
  { label: "counts", targets: [{ server: "source", operation: "count" }] },
  { label: "SearchParameter batch", targets: [{ server: "destination", operation: "batch" }] },
  { label: "SearchParameter search", targets: [{ server: "source", operation: "search" }] },
  {
    label: "deep check reads",
    targets: [
      { server: "source", operation: "history" },
      { server: "destination", operation: "history" },
    ],
    deepCheck: true,
  },
];

interface FaultCase {
  label: string;
  spec: HttpFault & { times: number };
}

/** The client timeout is set to its minimum, 5 s (AZURE_HttpTimeoutSeconds); the delay outlasts it. */
const TIMEOUT_DELAY_MS = 6000;

const FAULTS: FaultCase[] = [
  {
    label: "429 + Retry-After",
    spec: { kind: "status", status: 429, retryAfterSeconds: 1, times: 1 },
  },
  { label: "503 burst of 3", spec: { kind: "status", status: 503, times: 3 } },
  { label: "connection reset", spec: { kind: "reset", times: 1 } },
  { label: "timeout", spec: { kind: "delay", ms: TIMEOUT_DELAY_MS, times: 1 } },
  { label: "401 once", spec: { kind: "unauthorized", times: 1 } },
];

const CASES = OPERATIONS.flatMap((operation) =>
  FAULTS.map((fault) => [operation.label, fault.label, operation, fault] as const),
);

/** operation → fault → cell text; filled as cases finish, printed after the suite. */
const matrix = new Map<string, Map<string, string>>();

function record(operation: string, fault: string, text: string): void {
  const row = matrix.get(operation) ?? new Map<string, string>();
  row.set(fault, text);
  matrix.set(operation, row);
}

function serverOf(environment: ResilienceEnvironment, target: Target): FhirEmulator {
  return target === "source" ? environment.source : environment.destination;
}

function injected(environment: ResilienceEnvironment, kind: FaultKind): number {
  return (
    (environment.source.faults.survived()[kind] ?? 0) +
    (environment.destination.faults.survived()[kind] ?? 0)
  );
}

function addFaults(environment: ResilienceEnvironment, operation: OperationCase, fault: FaultCase) {
  for (const target of operation.targets)
    serverOf(environment, target.server).faults.add({ ...fault.spec, operation: target.operation });
}

/**
 * Cases run concurrently, each on an Azurite of its own from this pool: two emulators started at the
 * same time number their export jobs alike and would write the same `export-{id}` containers.
 */
const POOL_SIZE = 3;
const azurites: AzuriteInstance[] = [];
const idle: AzuriteInstance[] = [];
const waiting: ((azurite: AzuriteInstance) => void)[] = [];

async function acquireAzurite(): Promise<AzuriteInstance> {
  const free = idle.pop();
  if (free !== undefined) return free;
  return new Promise((resolve) => waiting.push(resolve));
}

function releaseAzurite(azurite: AzuriteInstance): void {
  const next = waiting.shift();
  if (next !== undefined) next(azurite);
  else idle.push(azurite);
}

beforeAll(async () => {
  azurites.push(...(await Promise.all(Array.from({ length: POOL_SIZE }, () => startAzurite()))));
  idle.push(...azurites);
}, 60_000);

afterAll(async () => {
  await Promise.all(azurites.map((a) => a.stop()));
});

afterAll(() => {
  const lines: string[] = [];
  printTable(
    ["Operation", ...FAULTS.map((f) => f.label)],
    OPERATIONS.map((o) => [
      o.label,
      ...FAULTS.map((f) => matrix.get(o.label)?.get(f.label) ?? "not run"),
    ]),
    (line) => lines.push(line),
  );
  console.log(
    `Fault matrix (cell: outcome, faults injected by the emulators)\n${lines.join("\n")}\n` +
      "Import status polls wait at least 120 s (the server may hold them 60 s), so the 6 s delay is a slow answer there, not a client timeout.",
  );
});

/**
 * The deep-check cases put their faults in only after the migration, so one migration of the same
 * data, without faults, serves all of them: they take turns on it (each counts the faults it added
 * and clears them), instead of each migrating its own copy first.
 */
interface Migrated {
  azurite: AzuriteInstance;
  environment: ResilienceEnvironment;
  deps: ReturnType<typeof depsFor>;
}
let migratedOnce: Promise<Migrated> | undefined;
let deepCheckTurn: Promise<unknown> = Promise.resolve();

function migratedForDeepChecks(): Promise<Migrated> {
  migratedOnce ??= (async () => {
    const azurite = await acquireAzurite();
    const environment = await startResilienceEnvironment({ azurite });
    environment.seed(30);
    const deps = depsFor(environment, "matrix");
    const result = await migrate(environment, deps);
    expect(result.output).toMatchObject({ outcome: "caught-up" });
    return { azurite, environment, deps };
  })();
  return migratedOnce;
}

/** Runs `check` once the deep-check cases before it have finished. */
function inTurn<T>(check: () => Promise<T>): Promise<T> {
  const turn = deepCheckTurn.then(check);
  deepCheckTurn = turn.catch(() => undefined);
  return turn;
}

// Registered after the pool's afterAll, so it runs first (after-hooks run in reverse order).
afterAll(async () => {
  if (migratedOnce === undefined) return;
  const { azurite, environment } = await migratedOnce;
  await environment.stop();
  releaseAzurite(azurite);
});

async function deepCheckCase(operation: OperationCase, fault: FaultCase): Promise<void> {
  const { environment, deps } = await migratedForDeepChecks();
  const before = injected(environment, fault.spec.kind);
  try {
    addFaults(environment, operation, fault);
    const report = await runVerification(deps, {
      checks: ["deep"],
      deepCheckCount: 40,
      seed: "matrix",
      clock: environment.clock,
    });
    expect(report.deep).toMatchObject({ verdict: "Pass", failed: 0, errors: 0 });
    expect(report.deep?.passed).toBeGreaterThan(0);
  } finally {
    environment.source.faults.clear();
    environment.destination.faults.clear();
  }
  const faults = injected(environment, fault.spec.kind) - before;
  expect(faults).toBe(fault.spec.times * operation.targets.length);
  await expectEveryVersionCopied(deps);
  record(operation.label, fault.label, `survived (${faults})`);
}

describe.concurrent("fault matrix: every operation under every fault", () => {
  it.each(CASES)(
    "%s under %s: the migration completes and nothing is lost",
    async (_o, _f, operation, fault) => {
      record(operation.label, fault.label, "failed");
      if (operation.deepCheck === true) {
        await inTurn(() => deepCheckCase(operation, fault));
        return;
      }
      const azurite = await acquireAzurite();
      const environment = await startResilienceEnvironment({ azurite });
      try {
        environment.seed(30);
        const deps = depsFor(environment, "matrix");
        addFaults(environment, operation, fault);
        const result = await migrate(environment, deps);
        expect(result.output).toMatchObject({ outcome: "caught-up" });

        const faults = injected(environment, fault.spec.kind);
        environment.source.faults.clear();
        environment.destination.faults.clear();
        expect(faults).toBe(fault.spec.times * operation.targets.length);
        await expectEveryVersionCopied(deps);
        record(operation.label, fault.label, `survived (${faults})`);
      } finally {
        await environment.stop();
        releaseAzurite(azurite);
      }
    },
    // A deep-check case may wait for the migration and the deep checks before it.
    300_000,
  );
});
