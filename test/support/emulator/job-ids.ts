/**
 * One increasing id sequence for jobs, like the server's job queue: a group (orchestrator) id is
 * what Content-Location carries, processing jobs of the group get later ids.
 */
/** Emulators started in this process so far. */
let instances = 0;

export class JobIds {
  /**
   * Each emulator starts its sequence at its own base: export containers are named `export-{id}`,
   * so two emulators sharing one storage account (as tests share one Azurite) must never reuse an id,
   * as two real servers writing to one account would not either.
   */
  private last =
    ((process.pid % 1000) * 1_000_000_000 + instances++ * 1_000_000) % 9_000_000_000_000;

  next(): number {
    return ++this.last;
  }
}

/** Route ids must parse as a long, else 404 (FhirOperationDataStoreBase.GetExportJobByIdAsync). */
export function parseJobId(text: string): number | undefined {
  return /^\d{1,18}$/.test(text) ? Number(text) : undefined;
}
