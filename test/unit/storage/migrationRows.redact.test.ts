import { describe, expect, it } from "vitest";
import type { ChunkRecord } from "../../../src/core/migrationState";

import { CHUNK_ROW, CURSOR_ROW } from "../../../src/storage/migrationRows";
import { toRow } from "../../../src/storage/rowSpec";
import { emptyCursor } from "../../../src/storage/cursorStore";

const SECRET = "https://acct.blob.core.windows.net/c/f.ndjson?sv=2022&sig=SECRETSIG";

describe("free-text columns are redacted where they enter the tables", () => {
  it("HaltReason and SearchParameterFailure", () => {
    const row = toRow(CURSOR_ROW, "pk", "rk", {
      ...emptyCursor(),
      haltReason: `Halted: could not read ${SECRET}`,
      searchParameterFailure: "AccountKey=abc==;",
    });
    expect(row.HaltReason).toBe(
      "Halted: could not read https://acct.blob.core.windows.net/c/f.ndjson?sv=REDACTED&sig=REDACTED",
    );
    expect(row.SearchParameterFailure).toBe("AccountKey=REDACTED;");
  });

  it("a chunk's FailureReason", () => {
    const chunk = { seq: 1, since: "a", till: "b", failureReason: `error file ${SECRET}` };
    const row = toRow(CHUNK_ROW, "pk", "rk-1", chunk as unknown as ChunkRecord);
    expect(String(row.FailureReason)).not.toContain("SECRETSIG");
  });
});
