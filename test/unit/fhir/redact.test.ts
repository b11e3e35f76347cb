import { describe, expect, it } from "vitest";
import {
  cleanDeep,
  cleanText,
  redactError,
  redactText,
  redactUrl,
  withoutQuery,
} from "../../../src/fhir/redact";

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

describe("redactText", () => {
  it.each([
    {
      name: "a SAS URL inside a message",
      text: "could not read https://a.blob.core.windows.net/c/x.ndjson?sv=1&sig=abc%3D: 403",
      expected:
        "could not read https://a.blob.core.windows.net/c/x.ndjson?sv=REDACTED&sig=REDACTED: 403",
    },
    {
      name: "an account key in a connection string",
      text: "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc+/def==;EndpointSuffix=core.windows.net",
      expected:
        "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=REDACTED;EndpointSuffix=core.windows.net",
    },
    {
      name: "a SharedAccessSignature in a connection string",
      text: "BlobEndpoint=https://a/;SharedAccessSignature=sv=2022&ss=b&sig=XYZ",
      expected: "BlobEndpoint=https://a/;SharedAccessSignature=REDACTED",
    },
    {
      name: "a form body quoted outside a URL",
      text: "token request client_secret=shh&grant_type=client_credentials failed",
      expected: "token request client_secret=REDACTED&grant_type=client_credentials failed",
    },
    {
      name: "a function key outside a URL",
      text: "called with code=KEY123",
      expected: "called with code=REDACTED",
    },
    {
      name: "a token in JSON, leaving FHIR data alone",
      text: '{"access_token":"abc","client_secret":"s","code":"1234-5"}',
      expected: '{"access_token":"REDACTED","client_secret":"REDACTED","code":"1234-5"}',
    },
    {
      name: "a bearer token",
      text: "Authorization: Bearer abcdefgh.IJK-123_x==",
      expected: "Authorization: Bearer REDACTED",
    },
    {
      name: "a JWT anywhere",
      text: "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln rejected",
      expected: "token REDACTED rejected",
    },
  ])("redacts $name", ({ text, expected }) => {
    expect(redactText(text)).toBe(expected);
  });

  it("leaves text without credentials unchanged", () => {
    const text = "HTTP 400 on GET https://fhir.example/Patient?_count=10: Bad Request (code 400)";
    expect(redactText(text)).toBe(text);
  });

  it("leaves a switch named like a credential readable (advice that names a setting)", () => {
    const text =
      "AZURE_TenantId: a GUID: AZURE_ClientCredential=true needs it; or AZURE_ClientCredential=false.";
    expect(redactText(text)).toBe(text);
  });

  it("still redacts a credential-named value that is not a switch", () => {
    expect(redactText("AZURE_ClientCredential=truestory")).toBe("AZURE_ClientCredential=REDACTED");
  });

  it("is idempotent", () => {
    const once = redactText("https://h/x?sig=1 AccountKey=k client_secret=s Bearer abcdefghij");
    expect(redactText(once)).toBe(once);
  });

  it("keeps JSON text valid when a URL sits next to an escape", () => {
    const json = JSON.stringify({ reason: 'see "https://h/x?sig=abc" now' });
    expect(JSON.parse(redactText(json))).toEqual({ reason: 'see "https://h/x?sig=REDACTED" now' });
  });
});

describe("redactError", () => {
  it("redacts the message and the stack, keeping the name", () => {
    const error = new TypeError("GET https://h/x?sig=SECRET failed");
    const redacted = redactError(error);
    expect(redacted.name).toBe("TypeError");
    expect(redacted.message).toBe("GET https://h/x?sig=REDACTED failed");
    expect(redacted.stack).not.toContain("SECRET");
  });
});

describe("withoutQuery", () => {
  it.each([
    [
      "https://acct.blob.core.windows.net/c/b.ndjson?sv=1&sig=abc",
      "https://acct.blob.core.windows.net/c/b.ndjson",
    ],
    [
      "https://acct.blob.core.windows.net/c/b.ndjson#x",
      "https://acct.blob.core.windows.net/c/b.ndjson",
    ],
    [
      "https://acct.blob.core.windows.net/c/b.ndjson",
      "https://acct.blob.core.windows.net/c/b.ndjson",
    ],
    ["not a url?code=k", "not a url"],
  ])("drops the whole query and fragment of %s", (url, expected) => {
    expect(withoutQuery(url)).toBe(expected);
  });
});

describe("account keys written other ways", () => {
  it.each([
    ["AccountKey: abc==", "AccountKey: REDACTED"],
    ["AccountKey%3Dabc", "AccountKey=REDACTED"],
    ['AccountKey="abc def"', "AccountKey=REDACTED"],
    ["(AccountKey=abc)", "(AccountKey=REDACTED)"],
    ["https://a/b?AccountKey=abc", "https://a/b?AccountKey=REDACTED"],
  ])("%s", (text, expected) => {
    expect(redactText(text)).toBe(expected);
  });
});

describe("cleanText and cleanDeep", () => {
  const planted = "sig=S \u001b]0;title\u0007\u001b[31mred\u001b[0m\u0007 \u009b2J done";

  it("redacts and removes control characters and escape sequences", () => {
    expect(cleanText(planted)).toBe("sig=REDACTED red  done");
  });

  it("is idempotent", () => {
    expect(cleanText(cleanText(planted))).toBe(cleanText(planted));
  });

  it("cleans every string of plain objects and arrays, keys included, and leaves other values", () => {
    expect(cleanDeep({ a: [planted, 3, true, null], [`k\u001b`]: { b: planted } })).toEqual({
      a: ["sig=REDACTED red  done", 3, true, null],
      k: { b: "sig=REDACTED red  done" },
    });
  });
});
