import type { TokenCredential } from "@azure/identity";
import type { Settings } from "../config/settings";
import type { CredentialKind } from "../core/credentialText";
import { credentialFailureText, isIdentityError } from "../core/credentialText";
import { ensureError } from "../errors";
import { createCredential, credentialKind, tokenScope } from "../fhir/auth";
import { createBlobStore } from "../storage/blobStore";
import type { BlobStore } from "../storage/blobStore";
import { defaultStorageCredential } from "../storage/credential";
import type { EngineDeps } from "./deps";
import { PAYLOAD_CONTAINER } from "./deps";

export interface AccessCheck {
  status: "ok" | "failed" | "skipped";
  message: string;
}

export interface AccessReport {
  ok: boolean;
  /** A token from every Microsoft Entra ID credential the settings use, asked for once each. */
  credentials: AccessCheck;
  tables: AccessCheck;
  payloadStorage: AccessCheck;
  stagingStorage: AccessCheck;
  source: AccessCheck;
  destination: AccessCheck;
}

async function check(run: () => Promise<string>, hint: string): Promise<AccessCheck> {
  try {
    return { status: "ok", message: await run() };
  } catch (thrown) {
    const error = ensureError(thrown);
    // The storage SDK throws the credential's own error: its chain is one line here too.
    const message = isIdentityError(error)
      ? credentialFailureText(error, "default", "the storage")
      : error.message;
    return { status: "failed", message: `${message} (${hint})` };
  }
}

/** One Microsoft Entra ID credential the settings use, and what it must give a token for. */
export interface CredentialTarget {
  /** "the source https://…", "the storage": how messages name it. */
  target: string;
  credential: TokenCredential;
  scope: string;
  kind: CredentialKind;
  /** What the token is for: a FHIR server, or the tables and blobs. */
  use: "server" | "storage";
}

/** Audience of Azure Storage tokens (tables and blobs). */
export const STORAGE_SCOPE = "https://storage.azure.com/.default";

/**
 * Every credential the settings use: the servers' unless they are local emulators (no token), and
 * the storage's when a storage account is reached by identity (not by connection string).
 */
export function credentialTargets(settings: Settings): CredentialTarget[] {
  const targets: CredentialTarget[] = [];
  for (const [role, server] of [
    ["the source", settings.source],
    ["the destination", settings.destination],
  ] as const) {
    const credential = createCredential(server.auth);
    if (credential === undefined) continue;
    targets.push({
      target: `${role} ${server.baseUrl}`,
      credential,
      scope: tokenScope(server.baseUrl),
      kind: credentialKind(server.auth),
      use: "server",
    });
  }
  const { storage } = settings;
  const byIdentity =
    storage.tables.kind === "identity" ||
    storage.blobs.kind === "identity" ||
    (storage.stagingConnectionString === undefined && storage.stagingAccountName !== undefined);
  if (byIdentity)
    targets.push({
      target: "the storage",
      credential: defaultStorageCredential(),
      scope: STORAGE_SCOPE,
      kind: "default",
      use: "storage",
    });
  return targets;
}

export interface CredentialFailure {
  target: CredentialTarget;
  /** What the credential threw: its whole chain, for --debug. */
  error: Error;
}

/**
 * Asks each credential for one token, all at once, with no retry: a machine that is not signed in
 * learns it in seconds, before any step of a migration runs.
 */
export async function checkCredentials(
  targets: readonly CredentialTarget[],
): Promise<CredentialFailure[]> {
  const answers = await Promise.all(
    targets.map(async (target) => {
      try {
        const token = await target.credential.getToken(target.scope);
        if (token === null || token.token === "")
          return { target, error: new Error("the credential returned no token") };
        return undefined;
      } catch (thrown) {
        return { target, error: ensureError(thrown) };
      }
    }),
  );
  return answers.filter((a): a is CredentialFailure => a !== undefined);
}

/** One line for the failures: targets that fail for the same reason are named together. */
export function describeCredentialFailures(failures: readonly CredentialFailure[]): string {
  const text = (f: CredentialFailure, target: string) =>
    isIdentityError(f.error)
      ? credentialFailureText(f.error, f.target.kind, target)
      : `Could not get a token for ${target}: ${f.error.message.split("\n")[0]}`;
  const groups = new Map<string, CredentialFailure[]>();
  for (const f of failures) {
    const same = text(f, "");
    groups.set(same, [...(groups.get(same) ?? []), f]);
  }
  return [...groups.values()]
    .map((group) => text(group[0]!, joinNames(group.map((f) => f.target.target))))
    .join(" ");
}

function joinNames(names: readonly string[]): string {
  return names.length <= 1
    ? (names[0] ?? "")
    : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/**
 * What CheckAccess_Http reports: whether the app's identity reaches its tables, its payload blobs,
 * the staging account and both FHIR servers (with the roles each needs, so a failure says what to grant).
 * Export and import configuration cannot be read without starting a job; a count proves search access.
 */
export async function checkAccess(
  deps: EngineDeps,
  staging?: BlobStore,
  targets: readonly CredentialTarget[] = credentialTargets(deps.settings),
): Promise<AccessReport> {
  const { storage } = deps.settings;
  const failed = await checkCredentials(targets);
  const credentials: AccessCheck =
    targets.length === 0
      ? {
          status: "skipped",
          message: "no Microsoft Entra ID credential is used (local emulators, connection strings)",
        }
      : failed.length === 0
        ? { status: "ok", message: `a token for ${joinNames(targets.map((t) => t.target))}` }
        : { status: "failed", message: describeCredentialFailures(failed) };
  const tables = await check(async () => {
    await deps.state.ensure();
    const cursor = await deps.state.getCursor();
    return `tables ${storage.cursorTable} and ${storage.exportTable} reachable; watermark ${cursor.watermark ?? "not set yet"}`;
  }, "grant Storage Table Data Contributor on the app's storage account");
  const payloadStorage = await check(async () => {
    await deps.blobs.ensureContainer(PAYLOAD_CONTAINER);
    for await (const _ of deps.blobs.list(PAYLOAD_CONTAINER)) break;
    return `container ${PAYLOAD_CONTAINER} reachable`;
  }, "grant Storage Blob Data Contributor (or Owner) on the app's storage account");
  const stagingStore =
    staging ??
    (storage.stagingAccountName === undefined
      ? undefined
      : createBlobStore({
          kind: "identity",
          endpoint: `https://${storage.stagingAccountName}.blob.core.windows.net`,
        }));
  const stagingStorage: AccessCheck =
    stagingStore === undefined
      ? { status: "skipped", message: "AZURE_stagingStorageAccountName is not set" }
      : await check(async () => {
          let files = 0;
          for await (const _ of stagingStore.list("fhirlogs")) if (++files >= 1) break;
          return files > 0
            ? "import error files readable (container fhirlogs)"
            : "reachable; no import error files yet";
        }, "grant Storage Blob Data Contributor on the staging account (self-staged windows and isolated import parts are written there); the FHIR services' identities need it too");
  const source = await check(
    async () => `search works (${await deps.source.count({ type: "Patient" })} Patients)`,
    "grant FHIR Data Reader and FHIR Data Exporter on the source",
  );
  const destination = await check(
    async () => `search works (${await deps.destination.count({ type: "Patient" })} Patients)`,
    "grant FHIR Data Importer and FHIR Data Writer on the destination",
  );
  const checks = [credentials, tables, payloadStorage, stagingStorage, source, destination];
  return {
    ok: checks.every((c) => c.status !== "failed"),
    credentials,
    tables,
    payloadStorage,
    stagingStorage,
    source,
    destination,
  };
}
