/**
 * Every name a deployment uses (nested deployments and the role assignments inside them included),
 * checked against its resource type's length and character rules (infra/template/name-rules.ts,
 * quoting https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules)
 * at the shortest and the longest inputs the template and the wizard accept.
 */
import { describe, expect, it } from "vitest";
import type { NamedResourceType } from "../../../infra/template/name-rules";
import { NAME_RULES, nameProblems } from "../../../infra/template/name-rules";
import { ArmEvaluator } from "./armEvaluate";
import type { JsonObject, JsonValue } from "./infra-checks";
import { asObject, readJson } from "./infra-checks";

const template = readJson("infra/main.json");
const wizard = readJson("infra/uiDefForm.json");
const parameters = asObject(template.parameters, "parameters");

const SUB = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups";
const REQUIRED = {
  sourceResourceId: `${SUB}/rg-src/providers/Microsoft.HealthcareApis/services/myapi`,
  destinationResourceId: `${SUB}/rg-dst/providers/Microsoft.HealthcareApis/workspaces/ws/fhirservices/fhirsvc`,
  stagingStorageAccountResourceId: `${SUB}/rg-stg/providers/Microsoft.Storage/storageAccounts/staging01`,
  // Every optional resource: the Key Vault, its secret and its role deployment, the action group.
  useClientCredentials: true,
  clientSecret: "not-a-real-secret-value-for-names",
  alertEmail: "owner@example.com",
};

const maxLength = (name: string): number => asObject(parameters[name], name).maxLength as number;

/** The wizard's regex for a basics TextBox. */
function wizardRegex(element: string): RegExp {
  const basics = asObject(wizard.parameters, "parameters").basics as JsonObject[];
  const el = basics.find((e) => e.name === element)!;
  const validations = asObject(el.constraints, element).validations as JsonObject[];
  return new RegExp(String(validations[0]!.regex));
}

/** Letters and digits, `length` long, with a hyphen every `every` characters (never first or last). */
function nameOf(length: number, every = 0): string {
  let name = "";
  for (let i = 0; i < length; i++)
    name += every > 0 && i > 0 && i < length - 1 && i % every === 0 ? "-" : "abcdefghij"[i % 10];
  return name;
}

interface Inputs {
  prefix: string;
  appName: string;
  dashboardName: string;
  chunkTableName: string;
  exportTableName: string;
}

const SHORTEST: Inputs = {
  prefix: "a",
  appName: "ab",
  dashboardName: "abc",
  chunkTableName: "abc",
  exportTableName: "xyz",
};

const LONGEST: Inputs = {
  prefix: "ABC123",
  appName: nameOf(maxLength("appName")),
  dashboardName: nameOf(maxLength("dashboardName"), 7),
  chunkTableName: `c${nameOf(maxLength("chunkTableName") - 1)}`,
  exportTableName: `e${nameOf(maxLength("exportTableName") - 1)}`,
};

/** Every resource name the deployment uses, by type: the last segment of a child's name. */
function namesOf(arm: ArmEvaluator): { type: string; name: string }[] {
  const found: { type: string; name: string }[] = [];
  const add = (r: JsonObject) =>
    found.push({ type: String(r.type), name: String(r.name).split("/").pop()! });
  for (const r of arm.resources()) {
    add(r);
    if (r.type === "Microsoft.Resources/deployments") arm.inner(r).resources().forEach(add);
  }
  return found;
}

function problemsAt(inputs: Partial<Inputs>): string[] {
  const arm = new ArmEvaluator(template, { parameters: { ...REQUIRED, ...inputs } });
  return namesOf(arm).flatMap(({ type, name }) =>
    type in NAME_RULES
      ? nameProblems(type as NamedResourceType, name)
      : [`${type} "${name}": no naming rule in infra/template/name-rules.ts`],
  );
}

const deployed = (inputs: Partial<Inputs>): JsonValue[] =>
  namesOf(new ArmEvaluator(template, { parameters: { ...REQUIRED, ...inputs } })).map(
    (n) => `${n.type} ${n.name}`,
  );

describe("the names a deployment uses", () => {
  it("uses inputs the wizard and the template accept", () => {
    for (const inputs of [SHORTEST, LONGEST]) {
      expect(wizardRegex("appName").test(inputs.appName), inputs.appName).toBe(true);
      expect(wizardRegex("dashboardName").test(inputs.dashboardName), inputs.dashboardName).toBe(
        true,
      );
      expect(wizardRegex("prefix").test(inputs.prefix), inputs.prefix).toBe(true);
    }
    expect(LONGEST.appName).toHaveLength(60);
    expect(LONGEST.dashboardName).toHaveLength(160);
  });

  it("follow their types' rules with the default names", () => {
    expect(problemsAt({ prefix: "mig" })).toEqual([]);
  });

  it("follow their types' rules at the shortest accepted inputs", () => {
    expect(problemsAt(SHORTEST)).toEqual([]);
  });

  it("follow their types' rules at the longest accepted appName, dashboardName, prefix and table names", () => {
    expect(problemsAt(LONGEST)).toEqual([]);
  });

  it("follow their types' rules when the shortened app name would end in a hyphen", () => {
    // take(app, 48) of the plan name and take(app, 51) of the workspace name end on a hyphen.
    const appName = `${nameOf(47)}-ab-${nameOf(9)}`;
    expect(wizardRegex("appName").test(appName)).toBe(true);
    expect(problemsAt({ prefix: "mig", appName })).toEqual([]);
  });

  it("keep the names of app names that fit, so a redeployment updates the same resources", () => {
    expect(deployed({ prefix: "mig", appName: "MyMigrationApp" })).toEqual(
      expect.arrayContaining([
        "Microsoft.Web/serverfarms MyMigrationApp-plan",
        "Microsoft.OperationalInsights/workspaces MyMigrationApp-logs",
        "Microsoft.Resources/deployments MyMigrationApp-roles-app-storage",
        "Microsoft.Resources/deployments MyMigrationApp-roles-destination",
      ]),
    );
  });

  it("tell two long app names with the same start apart", () => {
    const planOf = (appName: string) =>
      deployed({ prefix: "mig", appName }).filter((n) =>
        String(n).startsWith("Microsoft.Web/serverfarms "),
      );
    const a = planOf(`${nameOf(55)}xxxxx`);
    const b = planOf(`${nameOf(55)}yyyyy`);
    expect(a).not.toEqual(b);
  });

  it("reports a name that breaks its rule (the check can fail)", () => {
    expect([
      nameProblems("Microsoft.Resources/deployments", `${nameOf(60)}-roles-destination`),
      nameProblems("Microsoft.Portal/dashboards", "my_dashboard"),
      nameProblems("Microsoft.OperationalInsights/workspaces", "logs-"),
    ]).toEqual([
      [
        `Microsoft.Resources/deployments "${nameOf(60)}-roles-destination" has 78 characters; 1-64 allowed`,
      ],
      [
        `Microsoft.Portal/dashboards "my_dashboard" breaks "${NAME_RULES["Microsoft.Portal/dashboards"].rule}"`,
      ],
      [
        `Microsoft.OperationalInsights/workspaces "logs-" breaks "${NAME_RULES["Microsoft.OperationalInsights/workspaces"].rule}"`,
      ],
    ]);
  });
});
