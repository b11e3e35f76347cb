/**
 * One increasing id sequence for jobs, like the server's job queue: a group (orchestrator) id is
 * what Content-Location carries, processing jobs of the group get later ids. Internally ids are
 * small numbers; what clients see depends on the store:
 * - SQL (ahds): dbo.JobQueue's bigint JobId, an increasing number (EnqueueJobs.sql);
 * - Cosmos (apiForFhir): CosmosQueueClient.GetLongId, `Clock.UtcNow.ToId() + RandomNumberGenerator
 *   .GetInt32(100, 999)` where ToId is the millisecond's 100 ns ticks shifted left by 3
 *   (src/Microsoft.Health.Fhir.Core/Extensions/IdHelper.cs): a 19-digit number, beyond the 2^53
 *   a JavaScript number holds exactly.
 */
import type { EmulatorClock, Flavour } from "./types";

/** Emulators started in this process so far. */
let instances = 0;

/** 100 ns ticks between 0001-01-01 and 1970-01-01 (.NET DateTime.Ticks of the Unix epoch). */
const UNIX_EPOCH_TICKS = 621_355_968_000_000_000n;

/** IdHelper.ToId: the millisecond as .NET ticks, shifted left by 3. */
export function toSurrogateId(ms: number): bigint {
  return (UNIX_EPOCH_TICKS + BigInt(Math.floor(ms)) * 10_000n) << 3n;
}

export class JobIds {
  private readonly instance = instances++;
  /**
   * Each emulator starts its sequence at its own base: export containers are named `export-{id}`,
   * so two emulators sharing one storage account (as tests share one Azurite) must never reuse an id,
   * as two real servers writing to one account would not either.
   */
  private last =
    ((process.pid % 1000) * 1_000_000_000 + this.instance * 1_000_000) % 9_000_000_000_000;
  private lastLong = 0n;
  private readonly texts = new Map<number, string>();
  private readonly byText = new Map<string, number>();

  constructor(
    private readonly flavour: Flavour = "ahds",
    private readonly clock: EmulatorClock = { now: () => Date.now() },
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const id = ++this.last;
    if (this.flavour === "apiForFhir") {
      // Distinct per emulator and strictly increasing, as ids of one queue are.
      const spread = BigInt(((process.pid % 1000) * 1000 + this.instance) % 1_000_000) * 1000n;
      const candidate =
        toSurrogateId(this.clock.now()) + spread + BigInt(100 + Math.floor(this.random() * 899));
      this.lastLong = candidate > this.lastLong ? candidate : this.lastLong + 1n;
      const text = this.lastLong.toString();
      this.texts.set(id, text);
      this.byText.set(text, id);
    }
    return id;
  }

  /** The id as clients see it. */
  text(id: number): string {
    return this.texts.get(id) ?? String(id);
  }

  /** The internal id of a route id; undefined when it does not parse as a long or is unknown. */
  parse(text: string): number | undefined {
    if (this.flavour === "apiForFhir") {
      if (!/^\d{1,19}$/.test(text)) return undefined;
      return this.byText.get(text) ?? parseJobId(text);
    }
    return parseJobId(text);
  }
}

/** Route ids must parse as a long, else 404 (FhirOperationDataStoreBase.GetExportJobByIdAsync). */
export function parseJobId(text: string): number | undefined {
  return /^\d{1,18}$/.test(text) ? Number(text) : undefined;
}
