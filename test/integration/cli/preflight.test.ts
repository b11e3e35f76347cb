/**
 * The pre-check before a command's first step (src/cli/preflight.ts): not signed in to Azure is
 * said in one line, before anything runs, with each credential asked once (no retry loop); the
 * credential chain only with --debug. A storage emulator that does not answer is said in one line
 * with what to start.
 */
import { describe, expect, inject, it } from "vitest";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { main } from "../../../src/cli/main";
import type { CliRuntime } from "../../../src/cli/runtime";
import type { CredentialTarget } from "../../../src/engine/checkAccess";
import { STORAGE_SCOPE } from "../../../src/engine/checkAccess";
import { freePort } from "../../../src/local/azurite";
import { freshTables } from "../../support/engineScenario";

const SOURCE = "https://gen1.azurehealthcareapis.com";
const DESTINATION = "https://ws-fhir.fhir.azurehealthcareapis.com";

/** What DefaultAzureCredential throws on a machine with no sign-in: a chain of seven reasons. */
function notSignedIn(): Error {
  const error = new Error(
    [
      "ChainedTokenCredential authentication failed.",
      "CredentialUnavailableError: EnvironmentCredential is unavailable.",
      "CredentialUnavailableError: ManagedIdentityCredential: Network unreachable.",
      "CredentialUnavailableError: Visual Studio Code Authentication is not available.",
      "CredentialUnavailableError: Azure CLI could not be found. Please run 'az login'.",
      "CredentialUnavailableError: Error: Unable to execute PowerShell.",
      "CredentialUnavailableError: Azure Developer CLI couldn't be found.",
    ].join("\n"),
  );
  error.name = "AggregateAuthenticationError";
  return error;
}

/** A credential that fails like that, counting the tokens asked of it. */
function failingCredential(asked: string[]): TokenCredential {
  return {
    getToken: (scope: string | string[]): Promise<AccessToken | null> => {
      asked.push(String(scope));
      return Promise.reject(notSignedIn());
    },
  };
}

async function cli(args: string[], env: Record<string, string>, targets?: CredentialTarget[]) {
  const out: string[] = [];
  const err: string[] = [];
  const runtime: CliRuntime = {
    env,
    cwd: process.cwd(),
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    ...(targets === undefined ? {} : { credentialTargets: () => targets }),
  };
  const code = await main(args, runtime);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

describe("the pre-check of a command", () => {
  const tables = freshTables("preflight");
  const env = {
    AzureWebJobsStorage: inject("azuriteConnectionString"),
    AZURE_SourceUri: SOURCE,
    AZURE_DestinationUri: DESTINATION,
    ...tables,
  } as Record<string, string>;

  function targets(asked: string[]): CredentialTarget[] {
    return [
      {
        target: `the source ${SOURCE}`,
        credential: failingCredential(asked),
        scope: `${SOURCE}/.default`,
        kind: "default",
        use: "server",
      },
      {
        target: `the destination ${DESTINATION}`,
        credential: failingCredential(asked),
        scope: `${DESTINATION}/.default`,
        kind: "default",
        use: "server",
      },
      {
        target: "the storage",
        credential: failingCredential(asked),
        scope: STORAGE_SCOPE,
        kind: "default",
        use: "storage",
      },
    ];
  }

  it("says in one line that no one is signed in, before any step, asking each credential once", async () => {
    const asked: string[] = [];
    const run = await cli(["run", "--until-caught-up"], env, targets(asked));
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `Not signed in to Azure: no credential gave a token for the source ${SOURCE}, the destination ${DESTINATION} and the storage. Run \`az login\` on this machine (in Azure the app's managed identity is used; a source in another tenant needs AZURE_ClientCredential=true). --debug shows what each credential answered.\n`,
    );
    // One request per credential: no retry loop ran.
    expect(asked.sort()).toEqual(
      [`${DESTINATION}/.default`, `${SOURCE}/.default`, STORAGE_SCOPE].sort(),
    );
    // No step ran: the migration's tables were never created.
    const status = await cli(["status"], env, []);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain(`No migration state: table ${tables.AZURE_ChunkTableName}`);
  });

  it("asks only the storage's credential for a command that reads tables alone (status)", async () => {
    const asked: string[] = [];
    const status = await cli(["status"], env, targets(asked).slice(0, 2));
    expect(asked).toEqual([]);
    expect(status.stderr).not.toContain("Not signed in");
    expect(status.stderr).toContain(`No migration state: table ${tables.AZURE_ChunkTableName}`);
  });

  it("shows what each credential answered only with --debug", async () => {
    const run = await cli(["--debug", "status"], env, targets([]));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("CredentialUnavailableError: Azure CLI could not be found");
    expect(run.stderr.trimEnd().split("\n").at(-1)).toMatch(/^Not signed in to Azure: /);
  });

  it("says what to start when the storage emulator the settings name does not answer", async () => {
    const port = await freePort();
    const run = await cli(["status"], {
      ...env,
      AzureWebJobsStorage: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `Nothing answers at 127.0.0.1:${port} (ECONNREFUSED), the table endpoint of AzureWebJobsStorage: it names a local storage emulator. Start Azurite there (\`npx azurite --location .azurite\`, in another terminal), or remove AzureWebJobsStorage from the settings: \`fhir-migrate run\` then keeps the state in its own Azurite under .fhir-migrate.\n`,
    );
  });
});
