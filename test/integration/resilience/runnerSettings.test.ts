/**
 * Two runners on the same tables with settings that shape planning differently (one system-level,
 * one per type for Patient only) would each plan windows the other's settings do not cover. The
 * tables record the settings; the runner that differs refuses, names the settings and both values,
 * and the change is made with acceptShapingSettings (`fhir-migrate accept-settings`).
 */
import { HttpRequest, InvocationContext } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import { describe, expect, it, vi } from "vitest";
import { MIGRATION_INSTANCE_ID } from "../../../src/engine/migrationOrchestrator";
import { acceptSettingsHandler } from "../../../src/functions/acceptSettings";
import { settingsFor } from "../../../emulator/harness/localEnvironment";
import { acceptShapingSettings, shapingConflict } from "../../../src/engine/settingsGuard";
import {
  FAST_SETTINGS,
  depsFromSettings,
  expectEveryVersionCopied,
  migrate,
  startResilienceEnvironment,
  uniqueTables,
  useOwnAzurite,
} from "./harness";

const azurite = useOwnAzurite();

describe("runners with different shaping settings on the same tables", () => {
  it("refuses the runner whose settings differ, names them, and accepts a change at the frontier", async () => {
    const environment = await startResilienceEnvironment({ azurite: azurite() });
    try {
      environment.seed(40);
      const tables = uniqueTables("shaping");
      const systemLevel = depsFromSettings(
        environment,
        settingsFor(environment.env({ ...FAST_SETTINGS, ...tables, AZURE_IsParallel: "true" })),
      );
      const patientOnly = depsFromSettings(
        environment,
        settingsFor(
          environment.env({
            ...FAST_SETTINGS,
            ...tables,
            AZURE_IsParallel: "false",
            AZURE_ResourceTypes: "Patient",
          }),
        ),
      );
      const first = await migrate(environment, systemLevel);
      expect(first.output).toMatchObject({ outcome: "caught-up" });
      const before = await systemLevel.state.getCursor();

      const refused = await migrate(environment, patientOnly);
      expect(refused.output).toMatchObject({ outcome: "halted" });
      const reason = (refused.output as { reason: string }).reason;
      expect(reason).toContain("AZURE_IsParallel: the tables record true, this runner has false");
      expect(reason).toContain(
        "AZURE_ResourceTypes: the tables record (all), this runner has Patient",
      );
      expect(reason).toContain("fhir-migrate accept-settings");
      // Only the refused runner stopped: nothing was planned, and the shared cursor is not halted.
      const after = await systemLevel.state.getCursor();
      expect(after).toMatchObject({
        halted: false,
        nextSeq: before.nextSeq,
        frontier: before.frontier,
      });
      expect((await systemLevel.state.getSettingsRecord())?.refusedReason).toBe(reason);

      // The supported change: accept the new settings; they apply from the current frontier.
      const accepted = await acceptShapingSettings(patientOnly);
      expect(accepted.fromFrontier).toBe(before.frontier);
      expect(accepted.changed.map((d) => d.name)).toEqual([
        "AZURE_IsParallel",
        "AZURE_ResourceTypes",
      ]);
      const resumed = await migrate(environment, patientOnly);
      expect(resumed.output).toMatchObject({ outcome: "caught-up" });
      // The old settings are refused from then on.
      const old = await migrate(environment, systemLevel);
      expect(old.output).toMatchObject({ outcome: "halted" });
      await expectEveryVersionCopied(systemLevel);
    } finally {
      await environment.stop();
    }
  });
});

describe("AcceptSettings_Http", () => {
  it("accepts this app's settings on POST, restarts the orchestration, and refuses GET and parameters", async () => {
    const environment = await startResilienceEnvironment({ azurite: azurite() });
    try {
      const tables = uniqueTables("accepthttp");
      const before = depsFromSettings(
        environment,
        settingsFor(environment.env({ ...FAST_SETTINGS, ...tables, AZURE_IsParallel: "true" })),
      );
      await before.state.ensure();
      expect(await shapingConflict(before)).toBeUndefined();
      const after = depsFromSettings(
        environment,
        settingsFor(environment.env({ ...FAST_SETTINGS, ...tables, AZURE_IsParallel: "false" })),
      );
      expect(await shapingConflict(after)).toMatch(/AZURE_IsParallel: the tables record true/);
      const client = {
        getStatus: vi.fn(async () => ({ runtimeStatus: "Completed" })),
        startNew: vi.fn(async () => MIGRATION_INSTANCE_ID),
      } as unknown as DurableClient;
      const url = "http://localhost/api/AcceptSettings_Http";
      const get = await acceptSettingsHandler(
        new HttpRequest({ method: "GET", url }),
        client,
        new InvocationContext(),
        after,
      );
      expect(get.status).toBe(405);
      const withParameter = await acceptSettingsHandler(
        new HttpRequest({ method: "POST", url: `${url}?dryRun=true` }),
        client,
        new InvocationContext(),
        after,
      );
      expect(withParameter).toMatchObject({ status: 400 });
      expect(JSON.stringify(withParameter.jsonBody)).toContain('\\"dryRun\\"');
      expect(await shapingConflict(after)).toBeDefined();
      const accepted = await acceptSettingsHandler(
        new HttpRequest({ method: "POST", url }),
        client,
        new InvocationContext(),
        after,
      );
      expect(accepted).toMatchObject({
        status: 200,
        jsonBody: {
          changed: [{ name: "AZURE_IsParallel", recorded: "true", current: "false" }],
          orchestration: "started",
        },
      });
      expect(await shapingConflict(after)).toBeUndefined();
      expect(await shapingConflict(before)).toMatch(/AZURE_IsParallel: the tables record false/);
    } finally {
      await environment.stop();
    }
  });
});
