import type * as AzureFunctions from "@azure/functions";
import type * as DurableFunctions from "durable-functions";
import { describe, expect, it, vi } from "vitest";
import { MIGRATION_ACTIVITY_NAMES } from "../../../src/core/activityRegistry";
import { VERIFICATION_ACTIVITIES } from "../../../src/verify/activities";

const registered = vi.hoisted(() => ({
  activities: [] as string[],
  orchestrations: [] as string[],
}));

vi.mock("durable-functions", async (importOriginal) => ({
  ...(await importOriginal<typeof DurableFunctions>()),
  app: {
    activity: (name: string) => registered.activities.push(name),
    orchestration: (name: string) => registered.orchestrations.push(name),
    client: { http: () => undefined },
  },
}));
vi.mock("@azure/functions", async (importOriginal) => ({
  ...(await importOriginal<typeof AzureFunctions>()),
  app: { timer: () => undefined, http: () => undefined },
}));

describe("the Functions app's registrations", () => {
  it("register every migration and verification activity, each once, and nothing else", async () => {
    // Loaded afresh: the unit tier shares modules between files, and registering is what loading does.
    vi.resetModules();
    await import("../../../src/functions/migration.js");
    await import("../../../src/functions/verification.js");
    expect([...registered.activities].sort()).toEqual(
      [...MIGRATION_ACTIVITY_NAMES, ...Object.keys(VERIFICATION_ACTIVITIES)].sort(),
    );
    expect(new Set(registered.activities).size).toBe(registered.activities.length);
  });
});
