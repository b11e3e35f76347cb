/**
 * startFhirEmulator: an in-process node:http server on 127.0.0.1 that behaves like the Microsoft
 * FHIR server (Azure API for FHIR or AHDS) for the protocol the migrator uses.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { BlobStorage } from "./blob-storage";
import { ExportJobs } from "./export-jobs";
import { Faults, rng } from "./faults";
import { handleHttp, RequestCounter } from "./http-pipeline";
import { ImportJobs } from "./import-jobs";
import { JobIds } from "./job-ids";
import { ReindexJobs } from "./reindex";
import { COUNT_LIMIT } from "./search";
import type { ServerState } from "./state";
import { EmulatorStore } from "./store";
import type { EmulatorOptions, FhirEmulator } from "./types";

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startFhirEmulator(options: EmulatorOptions): Promise<FhirEmulator> {
  const clock = options.clock ?? { now: () => Date.now() };
  const latency = options.latency ?? {};
  const store = new EmulatorStore(clock);
  const faults = new Faults(options.seed ?? 1, options.flavour);
  const blobs = new BlobStorage(options.storageConnectionString, options.storageBlobEndpoint);
  // Its own generator, so job ids do not shift which requests rate-based faults hit.
  const ids = new JobIds(options.flavour, clock, rng((options.seed ?? 1) ^ 0x5bd1e995));
  let baseUrl = "";
  const base = (): string => baseUrl;

  const state: ServerState = {
    flavour: options.flavour,
    baseUrl,
    ...(options.bearerToken !== undefined ? { bearerToken: options.bearerToken } : {}),
    initialImportMode: options.initialImportMode ?? false,
    clock,
    store,
    faults,
    blobs,
    exportJobs: new ExportJobs({
      store,
      blobs,
      ids,
      clock,
      latency,
      rollingFileResources: options.rollingFileResources ?? 5000,
      baseUrl: base,
    }),
    importJobs: new ImportJobs({
      store,
      blobs,
      ids,
      clock,
      latency,
      flavour: options.flavour,
      maxJobs: options.maxImportJobs ?? 5,
      transactionSize: options.importTransactionSize ?? 1000,
      baseUrl: base,
    }),
    reindexJobs: new ReindexJobs(store, ids, clock, latency.reindexFixedMs ?? 0, base),
    countLimit: options.countLimit ?? COUNT_LIMIT,
  };

  // Jobs advance one at a time: concurrent requests wait for the same pass instead of racing it.
  let chain: Promise<void> = Promise.resolve();
  const runDueJobs = (): Promise<void> => {
    const pass = chain.then(async () => {
      const now = clock.now();
      await state.importJobs.advance(now);
      await state.exportJobs.advance(now);
      state.reindexJobs.advance(now);
    });
    // The caller sees a failed pass; the chain itself must stay usable for the next one.
    chain = pass.then(
      () => undefined,
      () => undefined,
    );
    return pass;
  };

  const counter = new RequestCounter();
  const server = createServer((req, res) => {
    void handleHttp(state, counter, runDueJobs, req, res);
  });
  const port = await listen(server, options.port ?? 0);
  baseUrl = `http://127.0.0.1:${port}`;
  state.baseUrl = baseUrl;

  return {
    baseUrl,
    store,
    faults,
    stats: { requests: (op) => counter.requests(op), reset: () => counter.reset() },
    setInitialImportMode: (on) => {
      state.initialImportMode = on;
    },
    setCountLimit: (limit) => {
      state.countLimit = limit;
    },
    runDueJobs,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
