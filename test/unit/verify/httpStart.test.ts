import { HttpRequest, HttpResponse, InvocationContext } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import { describe, expect, it, vi } from "vitest";
import { createE2ETestHttpHandler } from "../../../src/verify/httpStart";
import type { VerificationInput } from "../../../src/verify/types";

function fakeClient() {
  const startNew = vi.fn(
    async (_name: string, options?: { instanceId?: string; input?: unknown }) =>
      options?.instanceId ?? "generated",
  );
  const createCheckStatusResponse = vi.fn(
    (_request: HttpRequest | undefined, instanceId: string) =>
      new HttpResponse({
        status: 202,
        jsonBody: { id: instanceId, statusQueryGetUri: `http://localhost/status/${instanceId}` },
      }),
  );
  return {
    client: { startNew, createCheckStatusResponse } as unknown as DurableClient,
    startNew,
    createCheckStatusResponse,
  };
}

const handler = createE2ETestHttpHandler({
  now: () => Date.parse("2025-03-03T03:04:05Z"),
  runId: () => "v20250303T030405-abcdef",
  seed: () => "fixedseed01",
});

const context = () => new InvocationContext({ functionName: "E2ETest_Http", logHandler: () => {} });

function request(query: string, method = "POST", body?: string, contentType?: string) {
  return new HttpRequest({
    method,
    url: `http://localhost:7071/api/E2ETest_Http${query}`,
    ...(body === undefined ? {} : { body: { string: body } }),
    headers: contentType === undefined ? {} : { "content-type": contentType },
  });
}

describe("E2ETest_Http", () => {
  it("starts E2ETestOrchestration with the run id as instance id and answers with the check-status response", async () => {
    const fake = fakeClient();
    const response = await handler(request(""), fake.client, context());
    expect(fake.startNew).toHaveBeenCalledWith("E2ETestOrchestration", {
      instanceId: "v20250303T030405-abcdef",
      input: { runId: "v20250303T030405-abcdef", seed: "fixedseed01" },
    });
    expect(response).toBeInstanceOf(HttpResponse);
    expect((response as HttpResponse).status).toBe(202);
    expect(await (response as HttpResponse).json()).toMatchObject({
      statusQueryGetUri: "http://localhost/status/v20250303T030405-abcdef",
    });
  });

  it("passes the chosen options (and the function key is allowed)", async () => {
    const fake = fakeClient();
    await handler(
      request(
        "?code=secret&deepCheckCount=50&resourceTypes=Patient,Observation&checks=deep,surface&seed=again1&applyHardDeletes=true",
        "POST",
      ),
      fake.client,
      context(),
    );
    const input = fake.startNew.mock.calls[0]![1]!.input as VerificationInput;
    expect(input).toEqual({
      runId: "v20250303T030405-abcdef",
      seed: "again1",
      deepCheckCount: 50,
      resourceTypes: ["Patient", "Observation"],
      checks: ["surface", "deep"],
      applyHardDeletes: true,
    });
  });

  it("matches parameter names ignoring letter case", async () => {
    const fake = fakeClient();
    await handler(request("?DeepCheckCount=7"), fake.client, context());
    expect(fake.startNew.mock.calls[0]![1]!.input).toMatchObject({ deepCheckCount: 7 });
  });

  it("answers 400 naming a bad parameter, its value and what is accepted, and starts nothing", async () => {
    const fake = fakeClient();
    const response = await handler(request("?deepCheckCount=lots"), fake.client, context());
    expect(response).toMatchObject({ status: 400 });
    const body = (response as { jsonBody: { issues: unknown[] } }).jsonBody;
    expect(body.issues).toEqual([
      {
        parameter: "deepCheckCount",
        received: '"lots"',
        expected: expect.stringMatching(/whole number from 0 to 1000000/),
      },
    ]);
    expect(fake.startNew).not.toHaveBeenCalled();
  });

  it("answers 400 for an unknown resource type", async () => {
    const fake = fakeClient();
    const response = await handler(
      request("?resourceTypes=Patient,Patients"),
      fake.client,
      context(),
    );
    expect(response).toMatchObject({
      status: 400,
      jsonBody: {
        issues: [
          {
            parameter: "resourceTypes",
            expected: expect.stringMatching(/Patients \(did you mean Patient\?\)/),
          },
        ],
      },
    });
  });

  it("answers 400 for an unknown parameter instead of ignoring a typo", async () => {
    const fake = fakeClient();
    const response = await handler(request("?deepCheckCnt=5"), fake.client, context());
    expect(response).toMatchObject({
      status: 400,
      jsonBody: {
        issues: [{ parameter: "deepCheckCnt", expected: expect.stringMatching(/deepCheckCount/) }],
      },
    });
    expect(fake.startNew).not.toHaveBeenCalled();
  });

  it("refuses GET with 405 and an Allow header, and starts nothing (GET must not change state)", async () => {
    const fake = fakeClient();
    const response = await handler(
      request("?applyHardDeletes=true", "GET"),
      fake.client,
      context(),
    );
    expect(response).toMatchObject({
      status: 405,
      headers: { Allow: "POST" },
      jsonBody: { error: expect.stringMatching(/use POST/) },
    });
    expect(fake.startNew).not.toHaveBeenCalled();
  });

  it("bounds the unknown parameter names it echoes", async () => {
    const fake = fakeClient();
    const query = Array.from({ length: 40 }, (_, i) => `${"n".repeat(500)}${i}=v`).join("&");
    const response = await handler(request(`?${query}`), fake.client, context());
    const body = (response as { jsonBody: { issues: { parameter: string }[] } }).jsonBody;
    expect(body.issues).toHaveLength(6);
    expect(body.issues[5]!.parameter).toBe("35 more");
    expect(JSON.stringify(body).length).toBeLessThan(3000);
  });

  it("reports a repeated option once, however often it is repeated", async () => {
    const fake = fakeClient();
    const query = Array.from({ length: 500 }, (_, i) => `seed=s${i}`).join("&");
    const response = await handler(request(`?${query}`), fake.client, context());
    const body = (response as { jsonBody: { issues: { parameter: string }[] } }).jsonBody;
    expect(body.issues.map((i) => i.parameter)).toEqual(["seed"]);
  });

  it("reads the options from a JSON object body", async () => {
    const fake = fakeClient();
    await handler(
      request(
        "",
        "POST",
        JSON.stringify({ checks: ["surface"], deepCheckCount: 5, applyHardDeletes: false }),
        "application/json",
      ),
      fake.client,
      context(),
    );
    expect(fake.startNew.mock.calls[0]![1]!.input).toMatchObject({
      checks: ["surface"],
      deepCheckCount: 5,
      applyHardDeletes: false,
    });
  });

  it("refuses a body that is not JSON with 400 and starts nothing", async () => {
    const fake = fakeClient();
    const response = await handler(request("", "POST", "checks=surface"), fake.client, context());
    expect(response).toMatchObject({
      status: 400,
      jsonBody: { error: expect.stringMatching(/not valid JSON/) },
    });
    expect(fake.startNew).not.toHaveBeenCalled();
  });

  it("refuses a JSON body that is not an object", async () => {
    const fake = fakeClient();
    const response = await handler(request("", "POST", "[1,2]"), fake.client, context());
    expect(response).toMatchObject({
      status: 400,
      jsonBody: { error: expect.stringMatching(/a JSON array; expected a JSON object/) },
    });
  });

  it("refuses a form body instead of ignoring it", async () => {
    const fake = fakeClient();
    const response = await handler(
      request("", "POST", "applyHardDeletes=true", "application/x-www-form-urlencoded"),
      fake.client,
      context(),
    );
    expect(response).toMatchObject({ status: 400 });
    expect(fake.startNew).not.toHaveBeenCalled();
  });

  it("refuses an unknown option in the body by name", async () => {
    const fake = fakeClient();
    const response = await handler(
      request("", "POST", '{"applyHardDelete":true}', "application/json"),
      fake.client,
      context(),
    );
    expect(response).toMatchObject({
      status: 400,
      jsonBody: { issues: [{ parameter: "applyHardDelete" }] },
    });
    expect(fake.startNew).not.toHaveBeenCalled();
  });

  it("refuses an option given differently in the query and the body", async () => {
    const fake = fakeClient();
    const response = await handler(
      request("?applyHardDeletes=false", "POST", '{"applyHardDeletes":true}', "application/json"),
      fake.client,
      context(),
    );
    expect(response).toMatchObject({
      status: 400,
      jsonBody: { issues: [{ parameter: "applyHardDeletes" }] },
    });
    expect(fake.startNew).not.toHaveBeenCalled();
  });
});
