import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TELEMETRY_EVENTS, TELEMETRY_METRICS } from "../../../src/telemetry/events";
import type { JsonObject } from "./infra-checks";
import { ROOT, httpRegistrations, readJson, telemetryProblems } from "./infra-checks";

const read = (name: string): string => readFileSync(join(ROOT, "docs", name), "utf8");
const telemetryDoc = read("telemetry.md");

/** The text of `### \`Event\`` up to the next heading. */
function eventSection(event: string): string | undefined {
  const start = telemetryDoc.indexOf(`### \`${event}\`\n`);
  if (start < 0) return undefined;
  const next = telemetryDoc.indexOf("\n#", start + 1);
  return telemetryDoc.slice(start, next < 0 ? undefined : next);
}

describe("docs/telemetry.md", () => {
  it("documents every event with every property", () => {
    const missing = Object.entries(TELEMETRY_EVENTS).flatMap(([event, props]) => {
      const section = eventSection(event);
      if (section === undefined) return [`${event} (no section)`];
      return props.filter((p) => !section.includes(`\`${p}\``)).map((p) => `${event}.${p}`);
    });
    expect(missing).toEqual([]);
  });

  it("documents every metric", () => {
    const missing = Object.keys(TELEMETRY_METRICS).filter(
      (m) => !telemetryDoc.includes(`| \`${m}\` |`),
    );
    expect(missing).toEqual([]);
  });

  it("has example queries that use only declared names", () => {
    const blocks = [...telemetryDoc.matchAll(/```kusto\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(5);
    expect(blocks.flatMap((b) => telemetryProblems(b).map((p) => `${p} in:\n${b}`))).toEqual([]);
  });
});

describe("docs/deploy.md", () => {
  const deploy = read("deploy.md");

  it("links the Deploy to Azure button to this repository's template and wizard", () => {
    const encoded = (path: string) =>
      encodeURIComponent(
        `https://raw.githubusercontent.com/fhir-migrate/fhir-migrate/main/${path}`,
      );
    expect(deploy).toContain(
      `https://portal.azure.com/#create/Microsoft.Template/uri/${encoded("infra/main.json")}/createUIDefinitionUri/${encoded("infra/uiDefForm.json")}`,
    );
  });

  /** The rows of the markdown table under a `## heading`, as cells. */
  const tableUnder = (heading: string): string[][] => {
    const start = deploy.indexOf(`\n## ${heading}\n`);
    const section = deploy.slice(start, deploy.indexOf("\n## ", start + 1));
    return section
      .split("\n")
      .filter((l) => l.startsWith("| ") && !l.startsWith("| ---") && !l.startsWith("|---"))
      .slice(1)
      .map((l) =>
        l
          .split("|")
          .slice(1, -1)
          .map((c) => c.trim()),
      );
  };
  const templateParameters = Object.keys(
    JSON.parse(readFileSync(join(ROOT, "infra", "main.json"), "utf8")).parameters as object,
  );

  it("lists every template parameter in its parameters table", () => {
    const listed = tableUnder("Template parameters").map((cells) => cells[0]!.replace(/`/g, ""));
    expect(templateParameters.filter((p) => !listed.includes(p))).toEqual([]);
  });

  it("maps each parameter of the original tool's deployment to a parameter of this template", () => {
    const rows = new Map(
      tableUnder("Parameters of the original tool").map((c) => [c[0]!.replace(/`/g, ""), c[1]!]),
    );
    const original = [
      "fhirServiceName",
      "fhirid",
      "apiForFhirName",
      "apiForFhirid",
      "sourceFhirServiceName",
      "sourcefhirid",
      "appName",
      "dashboardName",
    ];
    const problems = original.flatMap((name) => {
      const target = rows.get(name);
      if (target === undefined) return [`${name}: no row`];
      const param = target.replace(/`/g, "");
      return param === "(none)" || templateParameters.includes(param)
        ? []
        : [`${name}: ${param} is not a template parameter`];
    });
    expect(problems).toEqual([]);
  });

  it("names every alert rule the template creates, as telemetry.md does", () => {
    const suffixes = (readJson("infra/main.json").resources as JsonObject[])
      .filter((r) => r.type === "Microsoft.Insights/scheduledQueryRules")
      .map((r) => /\{0\}-([a-z-]+)'/.exec(String(r.name))![1]!);
    expect(suffixes.length).toBe(5);
    expect({
      deploy: suffixes.filter((x) => !deploy.includes(`\`…-${x}\``)),
      telemetry: suffixes.filter((x) => !telemetryDoc.includes(`| \`<app>-${x}\``)),
    }).toEqual({ deploy: [], telemetry: [] });
  });

  it("names every HTTP function the app registers", () => {
    const dir = join(ROOT, "src", "functions");
    // The first argument of each registration: a literal, or a constant of the same file.
    const names = readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .flatMap((f) => {
        const source = readFileSync(join(dir, f), "utf8");
        return httpRegistrations(source, f).map((r) => {
          const arg = /\(\s*([^,]+),/.exec(r.text)![1]!.trim();
          return /^["']/.test(arg)
            ? arg.slice(1, -1)
            : new RegExp(`const ${arg} = ["']([^"']+)["']`).exec(source)![1]!;
        });
      });
    expect(names.length).toBeGreaterThanOrEqual(6);
    expect(names.filter((n) => !deploy.includes(`\`${n}\``))).toEqual([]);
  });

  it("deploys with az deployment group create and the parameters file", () => {
    expect(deploy).toMatch(
      /az deployment group create [^\n]*\\\n\s*--template-file infra\/main\.json --parameters @infra\/main\.parameters\.json/,
    );
  });
});
