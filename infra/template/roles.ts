/**
 * Built-in Azure role definitions the deployment assigns to the function app's managed identity.
 * Every id was checked against the "Azure built-in roles" reference. Least privilege: no Owner,
 * no Contributor, no Storage Account Contributor (the original tool granted the last one, W25).
 */
export interface RoleDefinition {
  id: string;
  name: string;
  why: string;
}

export const ROLES = {
  fhirDataExporter: {
    id: "3db33094-8700-4567-8da5-1501d4e7e843",
    name: "FHIR Data Exporter",
    why: "start, poll and cancel `$export` on the source",
  },
  fhirDataReader: {
    id: "4c8d0bbc-75d3-4935-991f-5f3c56d81508",
    name: "FHIR Data Reader",
    why: "counts, searches, history and SearchParameter reads on the source",
  },
  fhirDataImporter: {
    id: "4465e953-8ced-4406-a58e-0f6e3f3b530b",
    name: "FHIR Data Importer",
    why: "start, poll and cancel `$import` on the destination",
  },
  fhirDataWriter: {
    id: "3f88fce4-5892-4214-ae73-ba5294559913",
    name: "FHIR Data Writer",
    why: "SearchParameter copies, reconciliation (soft) deletes, `$reindex` and checks on the destination",
  },
  storageBlobDataContributor: {
    id: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    name: "Storage Blob Data Contributor",
    why: "read export files and import error files in the staging account, and write the files of self-staged windows and isolated import parts there",
  },
  storageBlobDataOwner: {
    id: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    name: "Storage Blob Data Owner",
    why: "Functions host keys and leases, Durable task hub blobs, import payload bodies (app storage)",
  },
  storageQueueDataContributor: {
    id: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    name: "Storage Queue Data Contributor",
    why: "Durable Functions control and work-item queues (app storage)",
  },
  storageTableDataContributor: {
    id: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    name: "Storage Table Data Contributor",
    why: "Durable history/instances tables and the migration's cursor and job tables (app storage)",
  },
  keyVaultSecretsUser: {
    id: "4633458b-17de-408a-b874-0445c86b69e6",
    name: "Key Vault Secrets User",
    why: "resolve the `AZURE_ClientSecret` Key Vault reference (only with client credentials)",
  },
} as const satisfies Record<string, RoleDefinition>;

export type RoleKey = keyof typeof ROLES;
