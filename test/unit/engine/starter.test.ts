import type { DurableClient } from "durable-functions";
import { describe, expect, it, vi } from "vitest";
import {
  MIGRATION_INSTANCE_ID,
  MIGRATION_ORCHESTRATION,
} from "../../../src/engine/migrationOrchestrator";
import { startMigrationIfIdle } from "../../../src/engine/starter";

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
