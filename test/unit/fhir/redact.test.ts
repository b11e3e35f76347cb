import { describe, expect, it } from "vitest";
import { redactUrl } from "../../../src/fhir/redact";

describe("redactUrl", () => {
  it.each([
    {
      name: "a blob SAS",
      url: "https://acct.blob.core.windows.net/c/b.ndjson?sv=2022-11-02&se=2024-01-01T00%3A00%3A00Z&sr=b&sp=r&sig=abc%2Bdef%3D",
      expected:
        "https://acct.blob.core.windows.net/c/b.ndjson?sv=REDACTED&se=REDACTED&sr=REDACTED&sp=REDACTED&sig=REDACTED",
    },
    {
      name: "a Functions key",
      url: "https://app.azurewebsites.net/api/status?code=KEY123&format=html",
      expected: "https://app.azurewebsites.net/api/status?code=REDACTED&format=html",
    },
    {
      name: "token-like names",
      url: "https://h/x?access_token=a&id_token=b&refresh_token=c&client_secret=d&x-api-key=e&ApiKey=f",
      expected:
        "https://h/x?access_token=REDACTED&id_token=REDACTED&refresh_token=REDACTED&client_secret=REDACTED&x-api-key=REDACTED&ApiKey=REDACTED",
    },
    {
      name: "FHIR search parameters, which stay readable",
      url: "https://fhir.example/Patient?_summary=count&_lastUpdated=ge2024-01-01T00:00:00.000Z&ct=abc%3D",
      expected:
        "https://fhir.example/Patient?_summary=count&_lastUpdated=ge2024-01-01T00:00:00.000Z&ct=abc%3D",
    },
    {
      name: "user info",
      url: "https://user:pass@fhir.example/Patient?sig=x",
      expected: "https://fhir.example/Patient?sig=REDACTED",
    },
    {
      name: "no query",
      url: "https://fhir.example/$export",
      expected: "https://fhir.example/$export",
    },
    {
      name: "a fragment, which is dropped",
      url: "https://fhir.example/a?sig=1#frag",
      expected: "https://fhir.example/a?sig=REDACTED",
    },
    { name: "not a URL", url: "not a url?sig=secret", expected: "not a url?REDACTED" },
  ])("redacts $name", ({ url, expected }) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
