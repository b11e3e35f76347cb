import type { DurableClient } from "durable-functions";
import { describe, expect, it, vi } from "vitest";
import {
  MIGRATION_INSTANCE_ID,
  MIGRATION_ORCHESTRATION,
  MIGRATION_WAKE_EVENT,
} from "../../../src/engine/migrationOrchestrator";
import { startMigrationIfIdle, wakeMigration } from "../../../src/engine/starter";

function client(runtimeStatus: string | undefined) {
  return {
    getStatus: vi.fn(async () => (runtimeStatus === undefined ? undefined : { runtimeStatus })),
    startNew: vi.fn(async () => MIGRATION_INSTANCE_ID),
  } as unknown as Pick<DurableClient, "getStatus" | "startNew"> & {
    startNew: ReturnType<typeof vi.fn>;
  };
}

describe("startMigrationIfIdle", () => {
  it("starts the singleton when it never ran", async () => {
    const c = client(undefined);
    await expect(startMigrationIfIdle(c, () => {})).resolves.toBe("started");
    expect(c.startNew).toHaveBeenCalledWith(MIGRATION_ORCHESTRATION, {
      instanceId: MIGRATION_INSTANCE_ID,
      input: {},
    });
  });

  it.each(["Running", "Pending", "ContinuedAsNew"])(
    "leaves a %s orchestration alone",
    async (status) => {
      const c = client(status);
      await expect(startMigrationIfIdle(c, () => {})).resolves.toBe("already-running");
      expect(c.startNew).not.toHaveBeenCalled();
    },
  );

  it.each(["Completed", "Failed", "Terminated"])("restarts a %s orchestration", async (status) => {
    const c = client(status);
    await expect(startMigrationIfIdle(c, () => {})).resolves.toBe("started");
  });
});

describe("wakeMigration", () => {
  function wakeable(runtimeStatus: string | undefined, raise: () => Promise<void>) {
    return {
      getStatus: vi.fn(async () => (runtimeStatus === undefined ? undefined : { runtimeStatus })),
      startNew: vi.fn(async () => MIGRATION_INSTANCE_ID),
      raiseEvent: vi.fn(raise),
    };
  }

  it("raises the wake event on a running orchestration", async () => {
    const c = wakeable("Running", async () => {});
    await expect(wakeMigration(c as never, () => {})).resolves.toBe("woken");
    expect(c.raiseEvent).toHaveBeenCalledWith(MIGRATION_INSTANCE_ID, MIGRATION_WAKE_EVENT, null);
    expect(c.startNew).not.toHaveBeenCalled();
  });

  it("starts an orchestration that is not running, with no event", async () => {
    const c = wakeable("Completed", async () => {});
    await expect(wakeMigration(c as never, () => {})).resolves.toBe("started");
    expect(c.raiseEvent).not.toHaveBeenCalled();
  });

  it("says it could not wake an orchestration that ended meanwhile, and why", async () => {
    const c = wakeable("Running", async () => {
      throw new Error("Instance FhirMigrationTool is not running");
    });
    await expect(wakeMigration(c as never, () => {})).resolves.toEqual({
      notWoken: "Instance FhirMigrationTool is not running",
    });
  });
});
