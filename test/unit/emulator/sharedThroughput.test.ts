import { describe, expect, it } from "vitest";
import { SharedThroughput } from "../../../emulator/sharedThroughput";

describe("SharedThroughput", () => {
  it("without a server-wide rate, a job takes its fixed time plus its own rate", () => {
    const server = new SharedThroughput(undefined);
    server.add(1, 1000, 500, 2);
    expect(server.doneBy(1, 1999)).toBe(false);
    expect(server.doneBy(1, 2000)).toBe(true);
  });

  it("two jobs moving at once share the server-wide rate", () => {
    // 1 unit per ms server-wide; each job alone could do 1 per ms too.
    const server = new SharedThroughput(1);
    server.add(1, 0, 1000, 1);
    server.add(2, 0, 1000, 1);
    expect(server.doneBy(1, 1999)).toBe(false);
    expect(server.doneBy(1, 2000)).toBe(true);
    expect(server.doneAt(2)).toBe(2000);
  });

  it("a job in its fixed time takes no share", () => {
    const server = new SharedThroughput(1);
    server.add(1, 0, 1000, 1);
    server.add(2, 5000, 1000, 1);
    expect(server.doneBy(1, 1000)).toBe(true);
    expect(server.doneBy(2, 6000)).toBe(true);
  });

  it("a job never moves faster than its own rate, even alone", () => {
    const server = new SharedThroughput(10);
    server.add(1, 0, 1000, 2);
    expect(server.doneBy(1, 1999)).toBe(false);
    expect(server.doneBy(1, 2000)).toBe(true);
  });

  it("a removed job frees its share", () => {
    const server = new SharedThroughput(1);
    server.add(1, 0, 1000, 1);
    server.add(2, 0, 1000, 1);
    server.advanceTo(500);
    server.remove(2);
    // 750 units left at 500 ms, then alone at 1 per ms.
    expect(server.doneBy(1, 1249)).toBe(false);
    expect(server.doneBy(1, 1250)).toBe(true);
  });

  it("reports the next event: a job starting to move or completing", () => {
    const server = new SharedThroughput(1);
    server.add(1, 100, 50, 1);
    server.advanceTo(0);
    expect(server.nextEventMs()).toBe(100);
    server.advanceTo(100);
    expect(server.nextEventMs()).toBe(150);
  });
});
