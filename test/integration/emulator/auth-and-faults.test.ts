import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FhirEmulator } from "../../../emulator";
import { call, startEmulator } from "./helpers";

describe("emulator: authentication", () => {
  let emu: FhirEmulator;
  beforeEach(async () => {
    emu = await startEmulator({ bearerToken: "token-123" });
  });
  afterEach(async () => {
    await emu.close();
  });

  it("answers 401 with WWW-Authenticate: Bearer when the token is missing", async () => {
    const r = await call(emu, "GET", "/Patient");
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  it("answers 401 for a wrong token", async () => {
    const r = await call(emu, "GET", "/Patient", { headers: { Authorization: "Bearer other" } });
    expect(r.status).toBe(401);
  });

  it("serves requests that carry the configured token", async () => {
    const r = await call(emu, "GET", "/Patient", {
      headers: { Authorization: "Bearer token-123" },
    });
    expect(r.status).toBe(200);
  });
});

describe("emulator: faults and stats", () => {
  let emu: FhirEmulator;
  beforeEach(async () => {
    emu = await startEmulator();
  });
  afterEach(async () => {
    await emu.close();
  });

  it("a status fault answers the next N matching requests with an OperationOutcome and Retry-After", async () => {
    emu.faults.add({
      operation: "search",
      kind: "status",
      status: 429,
      retryAfterSeconds: 7,
      times: 2,
    });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(emu, "GET", "/Patient")).status);
    expect(statuses).toEqual([429, 429, 200]);
    const again = await startEmulator();
    try {
      again.faults.add({ operation: "search", kind: "status", status: 429, retryAfterSeconds: 7 });
      const r = await call(again, "GET", "/Patient");
      expect(r.headers.get("retry-after")).toBe("7");
      expect(r.json).toMatchObject({
        resourceType: "OperationOutcome",
        issue: [{ code: "throttled" }],
      });
    } finally {
      await again.close();
    }
  });

  it("faults apply only to their operation ('count' is any _summary=count request)", async () => {
    emu.faults.add({ operation: "count", kind: "status", status: 503 });
    expect((await call(emu, "GET", "/Patient")).status).toBe(200);
    expect((await call(emu, "GET", "/Patient?_summary=count")).status).toBe(503);
  });

  it("a reset fault destroys the connection without a response", async () => {
    emu.faults.add({ operation: "read", kind: "reset" });
    await expect(fetch(`${emu.baseUrl}/Patient/x`)).rejects.toThrow();
  });

  it("a delay fault holds the answer long enough for a client timeout", async () => {
    emu.faults.add({ operation: "search", kind: "delay", ms: 400 });
    await expect(
      fetch(`${emu.baseUrl}/Patient`, { signal: AbortSignal.timeout(50) }),
    ).rejects.toThrow();
  });

  it("an unauthorized fault answers 401 once", async () => {
    emu.faults.add({ operation: "search", kind: "unauthorized" });
    expect((await call(emu, "GET", "/Patient")).status).toBe(401);
    expect((await call(emu, "GET", "/Patient")).status).toBe(200);
  });

  it("rate-based faults are deterministic for a seed", async () => {
    const run = async (seed: number): Promise<number[]> => {
      const e = await startEmulator({ seed });
      try {
        e.faults.add({ operation: "search", kind: "status", status: 500, rate: 0.5 });
        const out: number[] = [];
        for (let i = 0; i < 12; i++) out.push((await call(e, "GET", "/Patient")).status);
        return out;
      } finally {
        await e.close();
      }
    };
    const a = await run(42);
    expect(await run(42)).toEqual(a);
    expect(a).toContain(500);
    expect(a).toContain(200);
  });

  it("survived() counts injected faults per kind and clear() drops pending ones", async () => {
    emu.faults.add({ operation: "search", kind: "status", status: 500, times: 5 });
    await call(emu, "GET", "/Patient");
    expect(emu.faults.survived()).toEqual({ status: 1 });
    emu.faults.clear();
    expect((await call(emu, "GET", "/Patient")).status).toBe(200);
  });

  it("stats count requests per operation and reset", async () => {
    await call(emu, "GET", "/Patient");
    await call(emu, "GET", "/Patient?_summary=count");
    await call(emu, "PUT", "/Patient/s-1", { body: { resourceType: "Patient", id: "s-1" } });
    expect([
      emu.stats.requests("search"),
      emu.stats.requests("count"),
      emu.stats.requests("write"),
    ]).toEqual([1, 1, 1]);
    expect(emu.stats.requests()).toBe(3);
    emu.stats.reset();
    expect(emu.stats.requests()).toBe(0);
  });
});
