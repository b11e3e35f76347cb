import { describe, expect, it } from "vitest";
import { DEFAULT_PACKAGE_URI, RELEASE_VERSION } from "../../../infra/template/parameters";
import type { JsonObject, JsonValue } from "./infra-checks";
import { asObject, call, isObject, readJson, splitArgs } from "./infra-checks";

const wizard = readJson("infra/uiDefForm.json");
const template = readJson("infra/main.json");
const uiParameters = asObject(wizard.parameters, "parameters");
const outputs = asObject(uiParameters.outputs, "outputs") as Record<string, string>;
const templateParameters = asObject(template.parameters, "parameters");

type ValueType = "string" | "securestring" | "bool" | "int" | "object";

/** Elements by step name ("basics" for the basics page) and element name. */
function elements(): Map<string, JsonObject> {
  const found = new Map<string, JsonObject>();
  const add = (step: string, list: JsonValue | undefined): void => {
    for (const el of (list as JsonObject[] | undefined) ?? []) {
      found.set(`${step}.${String(el.name)}`, el);
      if (el.type === "Microsoft.Common.Section") add(`${step}.${String(el.name)}`, el.elements);
    }
  };
  add("basics", uiParameters.basics);
  for (const step of uiParameters.steps as JsonObject[]) add(String(step.name), step.elements);
  return found;
}

const ELEMENTS = elements();

function elementType(key: string, property: string | undefined): ValueType {
  const el = ELEMENTS.get(key);
  if (el === undefined) throw new Error(`the wizard has no element ${key}`);
  switch (el.type) {
    case "Microsoft.Common.TextBox":
      return "string";
    case "Microsoft.Common.PasswordBox":
      return "securestring";
    case "Microsoft.Common.CheckBox":
      return "bool";
    case "Microsoft.Common.Slider":
      return "int";
    case "Microsoft.Common.DropDown":
    case "Microsoft.Common.OptionsGroup": {
      const values = (asObject(el.constraints, "constraints").allowedValues as JsonObject[]).map(
        (v) => typeof v.value,
      );
      const kinds = new Set(values);
      if (kinds.size !== 1) throw new Error(`${key} mixes value types`);
      return values[0] === "boolean" ? "bool" : values[0] === "number" ? "int" : "string";
    }
    case "Microsoft.Solutions.ResourceSelector":
      if (property === "id" || property === "name" || property === "location") return "string";
      return "object";
    default:
      throw new Error(`${key}: no output type known for ${String(el.type)}`);
  }
}

/** The value type a wizard output expression produces. */
function outputType(expression: string): ValueType {
  const body = expression.startsWith("[") ? expression.slice(1, -1) : expression;
  const text = body.trim();
  if (/^'.*'$/s.test(text)) return "string";
  if (text === "true" || text === "false") return "bool";
  if (/^-?\d+$/.test(text)) return "int";
  const path = /^steps\('([^']+)'\)((?:\.[A-Za-z0-9_]+)+)$/.exec(text);
  if (path !== null) {
    const parts = path[2]!.slice(1).split(".");
    // steps('s').a.b → element s.a.b if it exists (sections), else element s.a, property b.
    if (ELEMENTS.has(`${path[1]}.${parts.join(".")}`)) {
      return elementType(`${path[1]}.${parts.join(".")}`, undefined);
    }
    return elementType(`${path[1]}.${parts.slice(0, -1).join(".")}`, parts.at(-1));
  }
  const fn = call(text);
  if (fn === undefined) throw new Error(`cannot type the expression ${expression}`);
  const [name, args] = fn;
  const list = splitArgs(args);
  switch (name) {
    case "basics":
      return elementType(`basics.${list[0]!.slice(1, -1)}`, undefined);
    case "location":
      return "string";
    case "int":
      return "int";
    case "bool":
    case "equals":
    case "not":
    case "and":
    case "or":
      return "bool";
    case "string":
      return "string";
    case "if": {
      const a = outputType(list[1]!);
      const b = outputType(list[2]!);
      if (a !== b && !(a === "securestring" && b === "string")) {
        throw new Error(`if() branches differ (${a} vs ${b}) in ${expression}`);
      }
      return a;
    }
    case "coalesce":
      return outputType(list[0]!);
    default:
      throw new Error(`cannot type ${name}() in ${expression}`);
  }
}

const templateType = (name: string): string =>
  String(asObject(templateParameters[name], name).type).toLowerCase();

describe("infra/uiDefForm.json", () => {
  it("is a 0.1.2-preview CreateUIDefinition", () => {
    expect(wizard.handler).toBe("Microsoft.Azure.CreateUIDef");
    expect(wizard.version).toBe("0.1.2-preview");
  });

  it("outputs only parameters the template declares", () => {
    const unknown = Object.keys(outputs).filter((n) => templateParameters[n] === undefined);
    expect(unknown).toEqual([]);
  });

  it("outputs every template parameter that has no default", () => {
    const required = Object.entries(templateParameters)
      .filter(([, spec]) => isObject(spec) && spec.defaultValue === undefined)
      .map(([name]) => name);
    expect(required.filter((n) => outputs[n] === undefined)).toEqual([]);
  });

  it("gives each output the type of its template parameter", () => {
    const mismatches = Object.entries(outputs)
      .map(([name, expression]) => [name, outputType(expression), templateType(name)])
      .filter(([, produced, declared]) =>
        produced === "securestring" ? declared !== "securestring" : produced !== declared,
      );
    expect(mismatches).toEqual([]);
  });

  it("reads the client secret from a PasswordBox into the securestring parameter", () => {
    expect(outputType(outputs.clientSecret!)).toBe("securestring");
    expect(templateType("clientSecret")).toBe("securestring");
  });

  it("sends the pause hours as integers, and dates and text as strings", () => {
    expect(outputType(outputs.pauseStartHour!)).toBe("int");
    expect(outputType(outputs.pauseEndHour!)).toBe("int");
    expect(outputType(outputs.startDate!)).toBe("string");
    expect(outputType(outputs.endDate!)).toBe("string");
  });

  it("rejects a type mismatch (the original's int() into a string parameter)", () => {
    expect(outputType("[int(steps('schedule').startDate)]")).toBe("int");
    expect(templateType("startDate")).toBe("string");
  });

  it("offers the same migration types and hosting plans as the template", () => {
    const allowed = (key: string) =>
      (asObject(ELEMENTS.get(key)?.constraints, key).allowedValues as JsonObject[]).map(
        (v) => v.value,
      );
    expect(allowed("servers.migrationType")).toEqual(
      asObject(templateParameters.migrationType, "m").allowedValues,
    );
    expect(allowed("hosting.hostingPlan")).toEqual(
      asObject(templateParameters.hostingPlan, "h").allowedValues,
    );
  });

  it("validates the prefix as 1-6 letters or digits with a message", () => {
    const prefix = ELEMENTS.get("basics.prefix")!;
    const validation = (asObject(prefix.constraints, "c").validations as JsonObject[])[0]!;
    const regex = new RegExp(String(validation.regex));
    expect(["a", "mig", "AB12cd"].every((v) => regex.test(v))).toBe(true);
    expect(["", "toolong7", "mi-g", "mi g"].some((v) => regex.test(v))).toBe(false);
    expect(String(validation.message)).toMatch(/1 to 6 letters or digits/);
  });

  it("accepts pause hours 0-23 only", () => {
    const el = ELEMENTS.get("schedule.pauseStartHour")!;
    const regex = new RegExp(
      String((asObject(el.constraints, "c").validations as JsonObject[])[0]!.regex),
    );
    expect(["0", "8", "17", "23"].every((v) => regex.test(v))).toBe(true);
    expect(["24", "-1", "08:00", "", "7.5"].some((v) => regex.test(v))).toBe(false);
  });

  it("accepts dates as YYYY-MM-DDTHH:MM:SSZ only", () => {
    const el = ELEMENTS.get("schedule.startDate")!;
    const regex = new RegExp(
      String((asObject(el.constraints, "c").validations as JsonObject[])[0]!.regex),
    );
    expect(regex.test("2021-01-31T23:59:59Z")).toBe(true);
    for (const bad of [
      "2021-01-31",
      "2021-13-01T00:00:00Z",
      "2021-01-31T24:00:00Z",
      "2021-01-31T00:00:00",
    ]) {
      expect(regex.test(bad), bad).toBe(false);
    }
  });

  it("shows the de-identified export only with parallel export", () => {
    expect(ELEMENTS.get("export.exportDeidentified")?.visible).toBe(
      "[equals(steps('export').isParallel, true)]",
    );
    expect(String(ELEMENTS.get("export.configFile")?.visible)).toContain(
      "equals(steps('export').isParallel, true)",
    );
  });

  it("defaults history, deletes and parallel export to Yes", () => {
    for (const name of ["exportWithHistory", "exportWithDelete", "isParallel"]) {
      expect(ELEMENTS.get(`export.${name}`)?.defaultValue, name).toBe("Yes");
    }
  });

  it("shows the pinned package of this release, which the template's default deploys", () => {
    const text = String(asObject(ELEMENTS.get("hosting.packageInfo")?.options, "o").text);
    expect({
      version: text.includes(`v${RELEASE_VERSION}`),
      url: text.includes(DEFAULT_PACKAGE_URI),
      upgrade: text.includes("docs/upgrade.md"),
      chosenByWizard: outputs.packageUri,
    }).toEqual({ version: true, url: true, upgrade: true, chosenByWizard: undefined });
  });

  it("asks for the optional app and dashboard names of the original tool", () => {
    const regex = (key: string) =>
      new RegExp(
        String(
          (asObject(ELEMENTS.get(key)?.constraints, key).validations as JsonObject[])[0]!.regex,
        ),
      );
    expect({
      app: ["", "MyMigrationApp", "a1"].every((v) => regex("basics.appName").test(v)),
      badApp: ["-app", "app-", "a", "my app"].some((v) => regex("basics.appName").test(v)),
      dashboard: ["", "MigrationToolDashboard"].every((v) => regex("basics.dashboardName").test(v)),
      outputs: [outputs.appName, outputs.dashboardName],
    }).toEqual({
      app: true,
      badApp: false,
      dashboard: true,
      outputs: ["[coalesce(basics('appName'), '')]", "[coalesce(basics('dashboardName'), '')]"],
    });
  });

  it("picks FHIR servers and the staging account with resource selectors", () => {
    expect(ELEMENTS.get("servers.apiForFhirSelector")?.resourceType).toBe(
      "Microsoft.HealthcareApis/services",
    );
    expect(ELEMENTS.get("servers.sourceFhirServiceSelector")?.resourceType).toBe(
      "Microsoft.HealthcareApis/workspaces/fhirservices",
    );
    expect(ELEMENTS.get("servers.destinationFhirServiceSelector")?.resourceType).toBe(
      "Microsoft.HealthcareApis/workspaces/fhirservices",
    );
    expect(ELEMENTS.get("servers.stagingStorageSelector")?.resourceType).toBe(
      "Microsoft.Storage/storageAccounts",
    );
  });
});
