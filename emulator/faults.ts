/**
 * Deterministic fault injection. A fault matches requests of one operation (or all); it fires on
 * the next `times` matches, or with probability `rate` drawn from a seeded RNG.
 */
import type {
  BatchFault,
  FaultInjector,
  FaultKind,
  FaultSpec,
  Flavour,
  HttpFault,
  JobFault,
  Operation,
  PageFault,
} from "./types";

const JOB_FAULT_OPERATION: Record<JobFault["kind"], Operation> = {
  "export-job-fails": "export-kickoff",
  "export-stuck": "export-kickoff",
  "export-premature": "export-kickoff",
  "import-job-fails": "import-kickoff",
  "import-stuck": "import-kickoff",
  "import-partial-errors": "import-kickoff",
  "import-refuses": "import-kickoff",
};

interface ActiveFault {
  spec: FaultSpec;
  /** Injections left; Infinity for rate-only faults. */
  remaining: number;
}

/** mulberry32: small, seedable, good enough for fault rates. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function isJobFault(spec: FaultSpec): spec is JobFault & FaultSpec {
  return spec.kind in JOB_FAULT_OPERATION;
}

function isBatchFault(spec: FaultSpec): spec is BatchFault & FaultSpec {
  return spec.kind === "batch-entry-throttled";
}

function isPageFault(spec: FaultSpec): spec is PageFault & FaultSpec {
  return spec.kind === "empty-page" || spec.kind === "partial-page";
}

/** Where a search page sits: its operation, request path and 1-based position in its query. */
export interface PagePosition {
  operation: Operation | undefined;
  path: string;
  position: number;
}

export class Faults implements FaultInjector {
  private active: ActiveFault[] = [];
  private readonly injected = new Map<FaultKind, number>();
  private readonly random: () => number;

  constructor(
    seed: number,
    private readonly flavour: Flavour,
  ) {
    this.random = rng(seed);
  }

  add(fault: FaultSpec): void {
    if (fault.rate !== undefined && (fault.rate < 0 || fault.rate > 1)) {
      throw new Error(`fault rate must be within 0..1, got ${fault.rate}`);
    }
    if (isPageFault(fault)) {
      // The SQL store fills its pages (SqlServerSearchService): only the Cosmos profile makes them.
      if (this.flavour !== "apiForFhir") {
        throw new Error(`${fault.kind} faults need the apiForFhir (Cosmos) flavour`);
      }
      if (
        fault.position !== undefined &&
        !(Number.isInteger(fault.position) && fault.position >= 1)
      ) {
        throw new Error(`page fault position must be a whole number >= 1, got ${fault.position}`);
      }
      if (fault.kind === "partial-page" && fault.entries !== undefined && !(fault.entries >= 1)) {
        throw new Error(`partial-page entries must be >= 1, got ${fault.entries}`);
      }
    }
    const unlimited =
      fault.rate !== undefined || (isPageFault(fault) && fault.position !== undefined);
    const remaining = fault.times ?? (unlimited ? Number.POSITIVE_INFINITY : 1);
    this.active.push({ spec: fault, remaining });
  }

  clear(): void {
    this.active = [];
  }

  survived(): Partial<Record<FaultKind, number>> {
    return Object.fromEntries(this.injected);
  }

  /** The HTTP fault to apply to this request, if any. */
  takeHttpFault(operation: Operation | undefined): HttpFault | undefined {
    return this.take(
      (spec) =>
        !isJobFault(spec) &&
        !isPageFault(spec) &&
        !isBatchFault(spec) &&
        (spec.operation === undefined || spec.operation === operation),
    ) as HttpFault | undefined;
  }

  /** The page fault for this search page, if any. */
  takePageFault(at: PagePosition): PageFault | undefined {
    return this.take(
      (spec) =>
        isPageFault(spec) &&
        (spec.operation === undefined || spec.operation === at.operation) &&
        (spec.position === undefined || spec.position === at.position) &&
        (spec.path === undefined || spec.path === at.path),
    ) as PageFault | undefined;
  }

  /** The entry fault of this batch request (operation "batch" unless the fault names another), if any. */
  takeBatchFault(operation: Operation | undefined): BatchFault | undefined {
    return this.take((spec) => isBatchFault(spec) && (spec.operation ?? "batch") === operation) as
      BatchFault | undefined;
  }

  /** A draw from the seeded generator (partial-page sizes). */
  draw(): number {
    return this.random();
  }

  /** The job fault a new job (created by this kick-off) carries, if any. */
  takeJobFault(operation: Operation): JobFault | undefined {
    return this.take(
      (spec) =>
        isJobFault(spec) && (spec.operation ?? JOB_FAULT_OPERATION[spec.kind]) === operation,
    ) as JobFault | undefined;
  }

  private take(matches: (spec: FaultSpec) => boolean): FaultSpec | undefined {
    for (const fault of this.active) {
      if (fault.remaining <= 0 || !matches(fault.spec)) continue;
      if (fault.spec.rate !== undefined && this.random() >= fault.spec.rate) continue;
      fault.remaining--;
      this.injected.set(fault.spec.kind, (this.injected.get(fault.spec.kind) ?? 0) + 1);
      return fault.spec;
    }
    return undefined;
  }
}
