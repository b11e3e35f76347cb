/**
 * How the SearchParameter copy reads the destination's per-entry answers (409 during a reindex,
 * 405/400 refusals) and the source's listing across empty pages. The destination's batch answers
 * are set by a thin wrapper around the real client; everything else is the emulator.
 */
import { afterEach, describe, expect, it } from "vitest";
import { migrateSearchParameters } from "../../../src/engine/activities/searchParameters";
import type { EngineDeps } from "../../../src/engine/deps";
import type { Bundle } from "../../../src/fhir/types";
import {
  freshTables,
  scenarioDeps,
  startScenario,
  stopScenarios,
} from "../../support/engineScenario";
import { withFakes } from "../../support/fakeDeps";

afterEach(stopScenarios);

async function setUp(count: number) {
  const { env } = await startScenario();
  for (let i = 0; i < count; i++) {
    env.source.store.create({
      resourceType: "SearchParameter",
      id: `sp-${i}`,
      url: `http://example.org/SearchParameter/sp-${i}`,
      name: `sp${i}`,
      status: "active",
      code: `sp${i}`,
      base: ["Patient"],
      type: "token",
      expression: "Patient.identifier",
    });
  }
  const deps = scenarioDeps(env, freshTables("spo"));
  await deps.state.ensure();
  return { env, deps, telemetry: deps.telemetry };
}

const outcome = (diagnostics: string) => ({
  resourceType: "OperationOutcome" as const,
  issue: [{ severity: "error", code: "processing", diagnostics }],
});

/** The destination answers each batch entry with the next status of `statuses(id)`, or for real. */
function answering(deps: EngineDeps, statuses: (id: string) => string | undefined): EngineDeps {
  return withFakes(deps, {
    destination: {
      batch: async (bundle: Bundle) => {
        const real: Bundle = { ...bundle, entry: [] };
        const answers = (bundle.entry ?? []).map((e) => {
          const id = e.request!.url.split("/")[1]!;
          return { id, status: statuses(id), entry: e };
        });
        real.entry = answers.filter((a) => a.status === undefined).map((a) => a.entry);
        const response = real.entry.length > 0 ? await deps.destination.batch(real) : { entry: [] };
        let next = 0;
        return {
          resourceType: "Bundle",
          type: "batch-response",
          entry: answers.map((a) =>
            a.status === undefined
              ? response.entry![next++]!
              : { response: { status: a.status, outcome: outcome(`server says no to ${a.id}`) } },
          ),
        };
      },
    },
  });
}

describe("SearchParameter copy outcomes", () => {
  it("waits while the destination answers 409 (a reindex runs), without spending attempts, then copies", async () => {
    const { env, deps, telemetry } = await setUp(3);
    let reindexing = true;
    const faulty = answering(deps, () => (reindexing ? "409" : undefined));
    const first = await migrateSearchParameters(faulty);
    expect(first.changed).toBe(false);
    let cursor = await deps.state.getCursor();
    expect(cursor).toMatchObject({ searchParametersMigrated: false, searchParameterAttempts: 0 });
    expect(cursor.searchParameterFailure).toMatch(
      /waiting for the destination to accept it \(a \$reindex job runs\): SearchParameter\/sp-0: 409 server says no to sp-0/,
    );
    await migrateSearchParameters(faulty);
    expect((await deps.state.getCursor()).searchParameterAttempts).toBe(0);
    reindexing = false;
    await migrateSearchParameters(faulty);
    cursor = await deps.state.getCursor();
    expect(cursor).toMatchObject({
      searchParametersMigrated: true,
      searchParameterFailure: undefined,
    });
    expect(env.destination.store.count("SearchParameter")).toBe(3);
    expect(telemetry.named("SearchParameters").map((e) => e.properties.Status)).toEqual([
      "Waiting",
      "Waiting",
      "Copied",
    ]);
  });

  it("records refused parameters (405, 400) with the server's reason after one attempt and goes on", async () => {
    const { env, deps, telemetry } = await setUp(3);
    const faulty = answering(deps, (id) =>
      id === "sp-0" ? "405 MethodNotAllowed" : id === "sp-1" ? "400" : undefined,
    );
    await migrateSearchParameters(faulty);
    const cursor = await deps.state.getCursor();
    expect(cursor).toMatchObject({ searchParametersMigrated: true, searchParameterAttempts: 1 });
    expect(cursor.searchParameterFailure).toContain(
      "refused by the destination: SearchParameter/sp-0: 405 MethodNotAllowed server says no to sp-0",
    );
    expect(cursor.searchParameterFailure).toContain(
      "refused by the destination: SearchParameter/sp-1: 400 server says no to sp-1",
    );
    expect(env.destination.store.count("SearchParameter")).toBe(1);
    expect(telemetry.named("SearchParameters")[0]?.properties).toMatchObject({
      Status: "Refused",
      Refused: 2,
    });
  });

  it("lists every SearchParameter on the source across empty pages", async () => {
    const { env, deps } = await setUp(5);
    const emptyPages = withFakes(deps, {
      source: {
        async *searchPages(path: string) {
          const empty: Bundle = { resourceType: "Bundle", type: "searchset", entry: [] };
          yield empty;
          for await (const page of deps.source.searchPages(
            path.replace("_count=1000", "_count=2"),
          )) {
            yield empty;
            yield page;
          }
        },
      },
    });
    await migrateSearchParameters(emptyPages);
    expect(env.destination.store.count("SearchParameter")).toBe(5);
    expect((await deps.state.getCursor()).searchParameterFailure).toBeUndefined();
  });
});
