import { describe, expect, it } from "vitest";
import { parseStandaloneArgs, UsageError } from "../../../emulator/standalone";

describe("parseStandaloneArgs", () => {
  it("maps --profile and --port and defaults the rest", () => {
    expect(parseStandaloneArgs(["--profile", "cosmos", "--port", "0"])).toEqual({
      profile: "cosmos",
      port: 0,
      initialImportMode: false,
    });
  });

  it("takes storage, token, seed and initial import mode", () => {
    const storage = "AccountName=a;BlobEndpoint=http://127.0.0.1:10000/a;";
    expect(
      parseStandaloneArgs([
        "--profile=sql",
        "--port=8080",
        `--storage=${storage}`,
        "--bearer-token=t",
        "--seed=7",
        "--initial-import-mode",
      ]),
    ).toEqual({
      profile: "sql",
      port: 8080,
      storage,
      bearerToken: "t",
      seed: 7,
      initialImportMode: true,
    });
  });

  it("answers help for --help", () => {
    expect(parseStandaloneArgs(["--help"])).toBe("help");
  });

  it("requires --profile, naming the accepted profiles", () => {
    expect(() => parseStandaloneArgs([])).toThrow(/--profile is required; accepted: cosmos, sql/);
  });

  it("refuses an unknown profile, naming the accepted ones", () => {
    expect(() => parseStandaloneArgs(["--profile", "apiForFhir"])).toThrow(
      /--profile accepts cosmos, sql; received "apiForFhir"/,
    );
  });

  it("refuses a port outside 0 to 65535", () => {
    expect(() => parseStandaloneArgs(["--profile", "sql", "--port", "65536"])).toThrow(UsageError);
  });

  it("refuses a storage connection string without a BlobEndpoint", () => {
    expect(() =>
      parseStandaloneArgs(["--profile", "sql", "--storage", "UseDevelopmentStorage=true"]),
    ).toThrow(/BlobEndpoint/);
  });

  it("refuses an unknown option with the usage text", () => {
    expect(() => parseStandaloneArgs(["--profile", "sql", "--flavour", "ahds"])).toThrow(
      /--flavour[\s\S]*Usage: npm run emulator/,
    );
  });
});
