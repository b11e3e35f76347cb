/** Everything a request handler can reach; built once by startFhirEmulator. */
import type { BlobStorage } from "./blob-storage";
import type { ExportJobs } from "./export-jobs";
import type { Faults } from "./faults";
import type { ImportJobs } from "./import-jobs";
import type { ReindexJobs } from "./reindex";
import type { EmulatorStore } from "./store";
import type { EmulatorClock, Flavour } from "./types";

export interface ServerState {
  flavour: Flavour;
  baseUrl: string;
  bearerToken?: string;
  initialImportMode: boolean;
  clock: EmulatorClock;
  store: EmulatorStore;
  faults: Faults;
  blobs: BlobStorage;
  exportJobs: ExportJobs;
  importJobs: ImportJobs;
  reindexJobs: ReindexJobs;
  /** The largest total a `_summary=count` answers (src/Microsoft.Health.Fhir.*: int.MaxValue). */
  countLimit: number;
}
