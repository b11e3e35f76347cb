/**
 * Paged reads against a source whose every page is empty yet links a next page (the emulator's
 * "empty-page" fault at rate 1, as CosmosFhirDataStore.ExecuteDocumentQueryAsync ends a fill loop
 * early, microsoft/fhir-server src/Microsoft.Health.Fhir.CosmosDb/Features/Storage/CosmosFhirDataStore.cs):
 * the read ends with a FHIR operation error naming the query and the count, never hangs and never
 * reads as "nothing there".
 */
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { FhirOperationError } from "../../../src/errors";
import { EMPTY_PAGE_BUDGET, createFhirClient } from "../../../src/fhir/client";
import type { FhirClient } from "../../../src/fhir/types";
import { readPages } from "../../../src/verify/paging";
import type { FhirEmulator } from "../../../emulator";
import { startFhirEmulator } from "../../../emulator";

let emu: FhirEmulator;
let client: FhirClient;

beforeEach(async () => {
  emu = await startFhirEmulator({
    flavour: "apiForFhir",
    storageConnectionString: inject("azuriteConnectionString"),
    storageBlobEndpoint: inject("azuriteBlobEndpoint"),
  });
  for (let i = 0; i < 3; i++)
    emu.store.update({
      resourceType: "SearchParameter",
      id: `sp-${i}`,
      url: `http://example.org/sp-${i}`,
    });
  client = createFhirClient(
    { baseUrl: emu.baseUrl, auth: { kind: "none" } },
    {
      userAgent: "fhir-migrate-integration",
      timeoutMs: 10_000,
      retry: { maxRetries: 3, firstDelayMs: 100, maxDelayMs: 1_000, budgetMs: 60_000 },
    },
    { sleep: async () => {}, random: () => 0.5 },
  );
});
afterEach(async () => {
  await emu.close();
});

async function readAll(path: string): Promise<number> {
  let entries = 0;
  for await (const page of client.searchPages(path)) entries += page.entry?.length ?? 0;
  return entries;
}

describe("paged reads across empty pages", () => {
  it("gives up on the SearchParameter listing after the budget, naming the query and the count", async () => {
    emu.faults.add({ kind: "empty-page", rate: 1 });
    const listing = readAll("SearchParameter?_count=1000");
    await expect(listing).rejects.toThrow(FhirOperationError);
    await expect(listing).rejects.toThrow(
      `/SearchParameter?_count=1000: ${EMPTY_PAGE_BUDGET} pages in a row held no entry and each linked a next page`,
    );
  });

  it("reads every entry after a run of empty pages shorter than the budget", async () => {
    emu.faults.add({ kind: "empty-page", rate: 1, times: EMPTY_PAGE_BUDGET - 1 });
    await expect(readAll("SearchParameter?_count=1000")).resolves.toBe(3);
  });

  it("does not hand a run of empty pages to a later read to resume for ever", async () => {
    emu.faults.add({ kind: "empty-page", rate: 1 });
    const read = readPages(
      client,
      "SearchParameter?_count=1",
      { maxPages: 1, budgetMs: 60_000, now: () => 0 },
      () => {},
    );
    await expect(read).rejects.toThrow(
      `${EMPTY_PAGE_BUDGET} pages in a row held no entry and each linked a next page`,
    );
  });
});
