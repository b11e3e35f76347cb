/**
 * Every apiVersion infra/main.json uses is one the published ARM template schemas hold
 * (published-api-versions.json: generator/resources.json of Azure/azure-resource-manager-schemas at
 * the commit it names), and every reference() reads a resource at that resource's own version.
 */
import { describe, expect, it } from "vitest";
import { API_VERSIONS } from "../../../infra/template/api-versions";
import published from "./published-api-versions.json";
import type { JsonObject } from "./infra-checks";
import { objects, readJson, strings } from "./infra-checks";

const PUBLISHED: Readonly<Record<string, readonly string[]>> = published.apiVersions;
const template = readJson("infra/main.json");

const isPreview = (version: string): boolean => version.endsWith("-preview");

/** Newest GA version the list holds for a type. */
const newestGa = (type: string): string | undefined =>
  (PUBLISHED[type] ?? [])
    .filter((v) => !isPreview(v))
    .sort()
    .at(-1);

/** Every resource (nested templates' included) as type@apiVersion, with its JSON path. */
function usedVersions(t: JsonObject): { type: string; apiVersion: string; path: string }[] {
  return [...objects(t)]
    .filter(([o]) => typeof o.type === "string" && typeof o.apiVersion === "string")
    .map(([o, path]) => ({ type: String(o.type), apiVersion: String(o.apiVersion), path }));
}

/** Used versions the published list does not hold for their type, or previews. */
function apiVersionProblems(t: JsonObject): string[] {
  return usedVersions(t).flatMap(({ type, apiVersion, path }) => {
    if (PUBLISHED[type] === undefined) return [`${path}: ${type} is not in the published list`];
    if (!PUBLISHED[type].includes(apiVersion))
      return [`${path}: ${type}@${apiVersion} is not in the published schemas`];
    if (isPreview(apiVersion)) return [`${path}: ${type}@${apiVersion} is a preview`];
    return [];
  });
}

/** reference(resourceId('T', ...), 'V'...) calls whose V is not T's apiVersion in the template. */
function referenceProblems(t: JsonObject): string[] {
  const declared = new Map<string, Set<string>>();
  for (const { type, apiVersion } of usedVersions(t)) {
    declared.set(type, (declared.get(type) ?? new Set()).add(apiVersion));
  }
  const problems: string[] = [];
  for (const [text, path] of strings(t)) {
    for (const m of text.matchAll(/reference\(resourceId\('([^']+)',[^)]*\),\s*'([^']+)'/g)) {
      const versions = declared.get(m[1]!);
      if (versions === undefined || !versions.has(m[2]!))
        problems.push(
          `${path}: reads ${m[1]}@${m[2]}; the template deploys it at ${[...(versions ?? [])].join(", ") || "no version"}`,
        );
    }
  }
  return problems;
}

describe("apiVersions of infra/main.json", () => {
  it("are each a GA version the published ARM schemas hold for the type", () => {
    expect(usedVersions(template).length).toBeGreaterThan(15);
    expect(apiVersionProblems(template)).toEqual([]);
  });

  it("are read by reference() at the version the resource is deployed with", () => {
    const calls = [...strings(template)].filter(([s]) => s.includes("reference(resourceId("));
    expect(calls.length).toBeGreaterThanOrEqual(5);
    expect(referenceProblems(template)).toEqual([]);
  });

  it("are the ones infra/template/api-versions.ts declares", () => {
    const used = Object.fromEntries(usedVersions(template).map((u) => [u.type, u.apiVersion]));
    expect(used).toEqual(API_VERSIONS);
  });

  it("are no more than two years behind the newest GA version the list holds", () => {
    const behind = Object.entries(API_VERSIONS).filter(([type, version]) => {
      const newest = newestGa(type)!;
      return Date.parse(newest) - Date.parse(version) > 2 * 365.25 * 86_400_000;
    });
    expect(behind).toEqual([]);
  });

  it("use the GA dashboards version and the newest GA scheduled query rules version", () => {
    expect([
      API_VERSIONS["Microsoft.Portal/dashboards"],
      API_VERSIONS["Microsoft.Insights/scheduledQueryRules"],
    ]).toEqual([
      newestGa("Microsoft.Portal/dashboards"),
      newestGa("Microsoft.Insights/scheduledQueryRules"),
    ]);
  });

  it("include the wizard's ARM requests, each at a version the REST specifications publish", () => {
    const wizard = JSON.stringify(readJson("infra/uiDefForm.json"));
    const requests = [...wizard.matchAll(/'(\/providers\/[^?']+)\?api-version=([^']+)'/g)].map(
      (m) => `GET /subscriptions/{subscriptionId}${m[1]} @ ${m[2]}`,
    );
    expect(requests.length).toBeGreaterThan(0);
    expect(requests).toEqual(published.requests.map((r) => `${r.request} @ ${r.apiVersion}`));
    for (const r of published.requests) expect(r.source.path).toContain(`/stable/${r.apiVersion}/`);
  });

  it("names the list's source: repository, path and commit", () => {
    expect(published.source).toMatchObject({
      repository: "Azure/azure-resource-manager-schemas",
      path: "generator/resources.json",
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
  });
});

describe("the apiVersion checks", () => {
  const site = (apiVersion: string, reference: string): JsonObject => ({
    resources: [
      { type: "Microsoft.Web/sites", apiVersion, name: "app" },
      { type: "Microsoft.Portal/dashboards", apiVersion: "2020-09-01-preview", name: "d" },
      { type: "Microsoft.Web/sites/config", apiVersion, name: `[${reference}]` },
    ],
  });

  it("report a version the schemas do not hold and a preview", () => {
    expect(apiVersionProblems(site("2025-03-01", "'x'"))).toEqual([
      "$.resources[0]: Microsoft.Web/sites@2025-03-01 is not in the published schemas",
      "$.resources[1]: Microsoft.Portal/dashboards@2020-09-01-preview is a preview",
      "$.resources[2]: Microsoft.Web/sites/config@2025-03-01 is not in the published schemas",
    ]);
  });

  it("report a reference() at another version than the resource's", () => {
    expect(
      referenceProblems(
        site(
          "2024-11-01",
          "reference(resourceId('Microsoft.Web/sites', 'app'), '2023-12-01', 'full')",
        ),
      ),
    ).toEqual([
      "$.resources[2].name: reads Microsoft.Web/sites@2023-12-01; the template deploys it at 2024-11-01",
    ]);
  });
});
