import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { AzuriteInstance } from "../../../src/local/azurite";
import { freePort, startAzurite } from "../../../src/local/azurite";

let held: Server | undefined;
let azurite: AzuriteInstance | undefined;

afterEach(async () => {
  await azurite?.stop();
  azurite = undefined;
  await new Promise<void>((r) => (held === undefined ? r() : held.close(() => r())));
  held = undefined;
});

/** A port another process takes after it was chosen: a listener is already on it. */
async function takenPort(): Promise<number> {
  const server = createServer();
  held = server;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("startAzurite", () => {
  it("starts again with new ports when a chosen port was taken before Azurite bound it", async () => {
    const taken = await takenPort();
    const chosen: number[] = [];
    let calls = 0;
    azurite = await startAzurite({
      // The first port chosen (the blob port) is taken; every later choice is free.
      choosePort: async () => {
        const port = calls++ === 0 ? taken : await freePort();
        chosen.push(port);
        return port;
      },
    });
    expect(chosen.length).toBeGreaterThan(3);
    expect(azurite.blobPort).not.toBe(taken);
    const response = await fetch(`${azurite.blobEndpoint}?comp=list`);
    expect(response.headers.get("server") ?? "").toMatch(/Azurite/);
  }, 60_000);
});
