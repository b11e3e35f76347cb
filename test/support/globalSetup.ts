import type { TestProject } from "vitest/node" with { "resolution-mode": "import" };
import { startAzurite, type AzuriteInstance } from "../../src/local/azurite";

declare module "vitest" {
  export interface ProvidedContext {
    azuriteConnectionString: string;
    azuriteBlobEndpoint: string;
    azuriteTableEndpoint: string;
  }
}

let azurite: AzuriteInstance | undefined;

/** One Azurite for the whole run; tests isolate themselves by unique table and container names. */
export async function setup(project: TestProject): Promise<void> {
  azurite = await startAzurite();
  project.provide("azuriteConnectionString", azurite.connectionString);
  project.provide("azuriteBlobEndpoint", azurite.blobEndpoint);
  project.provide("azuriteTableEndpoint", azurite.tableEndpoint);
}

export async function teardown(): Promise<void> {
  await azurite?.stop();
}
