import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../../src/local/virtualClock";

const start = Date.parse("2025-01-01T00:00:00Z");

/** Lets every promise continuation that is ready run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function tracked(promise: Promise<void>): { done: () => boolean } {
  let resolved = false;
  void promise.then(() => {
    resolved = true;
  });
  return { done: () => resolved };
}

describe("VirtualClock", () => {
  it("starts at the given instant", () => {
    expect(new VirtualClock(start).now()).toBe(start);
  });

  it("keeps working when now and sleepUntil are passed around detached from the clock", async () => {
    const clock = new VirtualClock(start);
    const { now, sleepUntil } = clock;
    await sleepUntil(start + 1000);
    expect(now()).toBe(start + 1000);
  });

  it("rejects a start that is not a finite instant", () => {
    expect(() => new VirtualClock(Number.NaN)).toThrow("finite instant");
  });

  it("jumps to the wake-up instant at once when nobody else takes part", async () => {
    const clock = new VirtualClock(start);
    await clock.sleepUntil(start + 300_000);
    expect(clock.now()).toBe(start + 300_000);
  });

  it("does not move for a sleep that is already due", async () => {
    const clock = new VirtualClock(start);
    await clock.sleepUntil(start - 1000);
    expect(clock.now()).toBe(start);
  });

  it("rejects a NaN wake-up instant", async () => {
    await expect(new VirtualClock(start).sleepUntil(Number.NaN)).rejects.toThrow("NaN");
  });

  it("stands still while one of two participants is still working", async () => {
    const clock = new VirtualClock(start);
    clock.join();
    clock.join();
    const first = tracked(clock.sleepUntil(start + 60_000));
    await settle();
    expect(first.done()).toBe(false);
    expect(clock.now()).toBe(start);
  });

  it("moves to the earliest wake-up once every participant sleeps, and wakes only that one", async () => {
    const clock = new VirtualClock(start);
    clock.join();
    clock.join();
    const late = tracked(clock.sleepUntil(start + 120_000));
    const early = tracked(clock.sleepUntil(start + 60_000));
    await settle();
    expect(clock.now()).toBe(start + 60_000);
    expect(early.done()).toBe(true);
    expect(late.done()).toBe(false);
  });

  it("no longer counts an aborted sleep as asleep", async () => {
    const clock = new VirtualClock(start);
    clock.join();
    clock.join();
    const abort = new AbortController();
    const lost = tracked(clock.sleepUntil(start + 60_000, abort.signal));
    abort.abort();
    const other = tracked(clock.sleepUntil(start + 120_000));
    await settle();
    expect(clock.now()).toBe(start);
    expect(lost.done()).toBe(false);
    expect(other.done()).toBe(false);
  });

  it("moves on when a participant leaves and the others all sleep", async () => {
    const clock = new VirtualClock(start);
    clock.join();
    const leave = clock.join();
    const sleeper = tracked(clock.sleepUntil(start + 60_000));
    await settle();
    leave();
    await settle();
    expect(sleeper.done()).toBe(true);
    expect(clock.now()).toBe(start + 60_000);
  });

  it("counts a participant that leaves twice only once", async () => {
    const clock = new VirtualClock(start);
    clock.join();
    clock.join();
    const leave = clock.join();
    leave();
    leave();
    const sleeper = tracked(clock.sleepUntil(start + 60_000));
    await settle();
    expect(sleeper.done()).toBe(false);
  });

  it("advanceTo wakes the sleepers that are due", async () => {
    const clock = new VirtualClock(start);
    clock.join();
    clock.join();
    const sleeper = tracked(clock.sleepUntil(start + 60_000));
    clock.advanceTo(start + 90_000);
    await settle();
    expect(sleeper.done()).toBe(true);
    expect(clock.now()).toBe(start + 90_000);
  });

  it("advanceTo refuses to go back in time", () => {
    const clock = new VirtualClock(start);
    expect(() => clock.advanceTo(start - 1)).toThrow("cannot go back");
  });

  it("tells listeners the instant it leaves before it moves", async () => {
    const clock = new VirtualClock(start);
    const seen: [number, number, number][] = [];
    clock.onAdvance((from, to) => seen.push([from, to, clock.now()]));
    await clock.sleepUntil(start + 5000);
    expect(seen).toEqual([[start, start + 5000, start]]);
  });

  it("stops telling a listener once it unsubscribed", async () => {
    const clock = new VirtualClock(start);
    let calls = 0;
    const off = clock.onAdvance(() => calls++);
    off();
    await clock.sleepUntil(start + 5000);
    expect(calls).toBe(0);
  });
});
