import { describe, expect, it } from "vitest";
import { EXIT_USAGE, exitCodeFor } from "../../src/cli/errors";
import { RawJsonError } from "../../src/core/rawJson";
import {
  ConcurrencyConflictError,
  ConfigurationError,
  FhirOperationError,
  TransientError,
  isConcurrencyConflictError,
  isConfigurationError,
  isFhirOperationError,
  isTransientError,
} from "../../src/errors";
import { OutcomeUnknownError, RequestTimeoutError } from "../../src/fhir/http";
import { BlobUrlRefusedError, isBlobUrlRefusedError } from "../../src/storage/blobUrl";
import { RowAlreadyExistsError } from "../../src/storage/tableRepository";

const facts = { method: "POST", url: "https://fhir.example.com/$export" };
const guards = {
  transient: isTransientError,
  "fhir-operation": isFhirOperationError,
  configuration: isConfigurationError,
  conflict: isConcurrencyConflictError,
};

/** The kinds whose guard holds for `error`. */
const kindsOf = (error: unknown) =>
  Object.entries(guards)
    .filter(([, guard]) => guard(error))
    .map(([kind]) => kind);

describe("the error taxonomy's guards", () => {
  it("name exactly one kind for each base class", () => {
    expect(kindsOf(new TransientError("t", facts))).toEqual(["transient"]);
    expect(kindsOf(new FhirOperationError("f", facts, "d"))).toEqual(["fhir-operation"]);
    expect(kindsOf(new ConfigurationError([]))).toEqual(["configuration"]);
    expect(kindsOf(new ConcurrencyConflictError("chunk", "1"))).toEqual(["conflict"]);
  });

  it("hold for the subclasses, which keep their own names", () => {
    expect(kindsOf(new OutcomeUnknownError("u", facts))).toEqual(["transient"]);
    expect(kindsOf(new RequestTimeoutError("r", facts))).toEqual(["transient"]);
    expect(kindsOf(new RowAlreadyExistsError("chunk", "1"))).toEqual(["conflict"]);
    const refused = new BlobUrlRefusedError("https://evil.example.com/c/a.ndjson", []);
    expect(kindsOf(refused)).toEqual(["configuration"]);
    expect(refused.name).toBe("BlobUrlRefusedError");
    expect(isBlobUrlRefusedError(refused)).toBe(true);
  });

  it("hold for no kind of a plain error or a thrown non-error", () => {
    expect(kindsOf(new Error("x"))).toEqual([]);
    expect(kindsOf({ kind: "transient", name: "TransientError" })).toEqual([]);
  });
});

describe("BlobUrlRefusedError", () => {
  it("names the setting that would allow the account, and the CLI exits as for bad settings", () => {
    const refused = new BlobUrlRefusedError("https://evil.example.com/c/a.ndjson", [
      "https://fhirstaging01.blob.core.windows.net",
    ]);
    expect(refused.issues.map((i) => i.setting)).toEqual(["AZURE_stagingStorageAccountName"]);
    expect(refused.message).toBe(
      "Refused to read https://evil.example.com/c/a.ndjson: it is not on a storage account the settings name (allowed: https://fhirstaging01.blob.core.windows.net; set AZURE_stagingStorageAccountName to the account both FHIR servers use)",
    );
    expect(exitCodeFor(refused)).toBe(EXIT_USAGE);
  });
});

describe("RawJsonError", () => {
  it("is a SyntaxError, as JSON.parse's is", () => {
    expect(new RawJsonError("a value was expected", 3)).toBeInstanceOf(SyntaxError);
  });
});
