/**
 * FHIR server emulator: a strict local stand-in for Azure API for FHIR and the AHDS FHIR service,
 * following the server's code as docs/server-behaviour.md cites it (exact messages, statuses and
 * headers), with a direct store
 * for seeding/inspection and deterministic fault injection.
 */
export { startFhirEmulator } from "./server";
export { EmulatorStore } from "./store";
export { StoredVersion } from "./stored-version";
export type {
  BatchFault,
  EmulatorClock,
  EmulatorOptions,
  EmulatorStats,
  FaultInjector,
  FaultKind,
  FaultSpec,
  FhirEmulator,
  Flavour,
  HttpFault,
  JobFault,
  LatencyModel,
  Operation,
  PageFault,
} from "./types";
