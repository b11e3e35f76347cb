/**
 * One increasing id sequence for jobs, like the server's job queue: a group (orchestrator) id is
 * what Content-Location carries, processing jobs of the group get later ids.
 */
export class JobIds {
  private last = 0;

  next(): number {
    return ++this.last;
  }
}

/** Route ids must parse as a long, else 404 (FhirOperationDataStoreBase.GetExportJobByIdAsync). */
export function parseJobId(text: string): number | undefined {
  return /^\d{1,18}$/.test(text) ? Number(text) : undefined;
}
