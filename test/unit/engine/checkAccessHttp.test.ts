import { HttpRequest, InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";
import type { EngineDeps } from "../../../src/engine/deps";
import { checkAccessHandler } from "../../../src/functions/checkAccess";

/** Deps whose every use fails the test: a refused request must not touch anything. */
const untouchable = new Proxy(
  {},
  {
    get: (_t, name) => {
      throw new Error(`a refused request read deps.${String(name)}`);
    },
  },
) as EngineDeps;

describe("CheckAccess_Http", () => {
  it("refuses a parameter it does not read with 400 naming it, before checking anything", async () => {
    const response = await checkAccessHandler(
      new HttpRequest({
        method: "GET",
        url: "http://localhost/api/CheckAccess_Http?code=k&verbose=1",
      }),
      new InvocationContext(),
      untouchable,
    );
    expect(response).toMatchObject({
      status: 400,
      jsonBody: { error: expect.stringMatching(/unknown query parameter "verbose"/) },
    });
  });
});
