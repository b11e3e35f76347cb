import { HttpRequest, InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { createStatusHandler } from "../../../src/functions/status";
import { buildStatusReport } from "../../../src/status/buildReport";
import { PAGE_CSP } from "../../../src/status/pageAssets";
import type { StatusDeps } from "../../../src/status/statusState";
import { MigrationStateMissingError, statusSettingsOf } from "../../../src/status/statusState";
import { TEST_SETTINGS, fakeStatusDeps } from "./fakeStatusDeps";
import { NOW, migratingState } from "./stateFixtures";

const rows = migratingState();

function call(query: string, deps: StatusDeps = fakeStatusDeps(rows)) {
  const handler = createStatusHandler(async () => deps);
  const request = new HttpRequest({
    method: "GET",
    url: `https://app.azurewebsites.net/api/status${query}`,
  });
  return handler(
    request,
    new InvocationContext({ functionName: "Status_Http", logHandler: () => {} }),
  );
}

const header = (response: { headers?: unknown }, name: string) =>
  (response.headers as Record<string, string>)[name];

describe("Status_Http", () => {
  it("answers 200 with the HTML page by default", async () => {
    const response = await call("?code=FUNCTIONKEY");
    expect(response.status).toBe(200);
    expect(header(response, "Content-Type")).toBe("text/html; charset=utf-8");
    expect(header(response, "Content-Security-Policy")).toBe(PAGE_CSP);
    expect(String(response.body)).toMatch(/^<!doctype html>/);
  });

  it("never writes the function key into the page", async () => {
    const response = await call("?code=FUNCTIONKEY");
    expect(String(response.body)).not.toContain("FUNCTIONKEY");
  });

  it("answers ?format=json with the status report", async () => {
    const response = await call("?format=json&code=FUNCTIONKEY");
    expect(response.status).toBe(200);
    expect(header(response, "Content-Type")).toBe("application/json; charset=utf-8");
    const expected = buildStatusReport({ ...rows, settings: statusSettingsOf(TEST_SETTINGS) }, NOW);
    expect(JSON.parse(String(response.body))).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  it("answers a bad format with 400 naming it and what is accepted, without reading the state", async () => {
    const deps = fakeStatusDeps(rows);
    const response = await call("?format=xml", deps);
    expect(response.status).toBe(400);
    expect(String(response.body)).toBe(
      'format: received "xml"; expected "html" (the default, the status page) or "json" (the status report)\n',
    );
    expect(deps.reads).toBe(0);
  });

  it("answers an unknown parameter with 400 naming it and the accepted ones, without reading the state", async () => {
    const deps = fakeStatusDeps(rows);
    const response = await call("?code=K&formt=json", deps);
    expect(response.status).toBe(400);
    expect(String(response.body)).toBe(
      'status: unknown query parameter "formt"; accepted: format, refresh\n',
    );
    expect(deps.reads).toBe(0);
  });

  it("answers a bad refresh with 400 naming the accepted range", async () => {
    const response = await call("?refresh=2");
    expect(response.status).toBe(400);
    expect(String(response.body)).toContain(
      'refresh: received "2"; expected 0 (no automatic reload) or a whole number of seconds from 5 to 3600',
    );
  });

  it("turns the page's reload off with ?refresh=0", async () => {
    const response = await call("?refresh=0");
    expect(String(response.body)).not.toContain('http-equiv="refresh"');
  });

  it("answers 503 saying why when the state tables do not exist", async () => {
    const deps = fakeStatusDeps(rows, {
      fail: new MigrationStateMissingError("No migration state: table chunk does not exist"),
    });
    const response = await call("", deps);
    expect(response.status).toBe(503);
    expect(String(response.body)).toBe("No migration state: table chunk does not exist\n");
  });

  it("answers 503 when storage fails, without credentials from the error", async () => {
    const deps = fakeStatusDeps(rows, {
      fail: new Error("connect ECONNREFUSED https://acct.table.core.windows.net/chunk?sig=SECRET"),
    });
    const response = await call("?format=json", deps);
    expect(response.status).toBe(503);
    expect(String(response.body)).toBe(
      "Could not read the migration state: connect ECONNREFUSED https://acct.table.core.windows.net/chunk?sig=REDACTED\n",
    );
  });
});
