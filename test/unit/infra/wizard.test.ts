import { describe, expect, it } from "vitest";
import { DEFAULT_PACKAGE_URI, RELEASE_VERSION } from "../../../infra/template/parameters";
import { ArmEvaluator } from "./armEvaluate";
import type { JsonObject, JsonValue } from "./infra-checks";
import { asObject, call, isObject, objects, readJson, splitArgs } from "./infra-checks";
import type { WizardAnswers } from "./uiDefEvaluate";
import { evaluateUiDef } from "./uiDefEvaluate";

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

/** The regex of an element's first validation. */
const validationRegex = (key: string): RegExp =>
  new RegExp(
    String((asObject(ELEMENTS.get(key)?.constraints, key).validations as JsonObject[])[0]!.regex),
  );

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
    expect({
      app: ["", "MyMigrationApp", "a1"].every((v) => validationRegex("basics.appName").test(v)),
      badApp: ["-app", "app-", "a", "my app"].some((v) =>
        validationRegex("basics.appName").test(v),
      ),
      dashboard: ["", "MigrationToolDashboard"].every((v) =>
        validationRegex("basics.dashboardName").test(v),
      ),
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

/** Every element of the wizard, sections' included, with what it is. */
const ALL_ELEMENTS = [...objects(uiParameters)]
  .map(([o]) => o)
  .filter((o) => typeof o.type === "string" && String(o.type).startsWith("Microsoft."));

/** A TextBox regex states a length ({m,n}, {m,} or {m}), as the ARM template toolkit requires. */
const LENGTH_BOUND = /\{\d+(,\d*)?\}/;

describe("the wizard's fields", () => {
  it("bound the length of every TextBox in its regex", () => {
    const textBoxes = ALL_ELEMENTS.filter((e) => e.type === "Microsoft.Common.TextBox");
    expect(textBoxes.length).toBeGreaterThan(10);
    const unbounded = textBoxes
      .filter((e) => {
        const c = asObject(e.constraints, String(e.name));
        const regexes = [
          c.regex,
          ...((c.validations as JsonObject[] | undefined) ?? []).map((v) => v.regex),
        ];
        return !regexes.some((r) => typeof r === "string" && LENGTH_BOUND.test(r));
      })
      .map((e) => e.name);
    expect(unbounded).toEqual([]);
  });

  it("accept pause hours, no-progress hours and an e-mail only within their lengths", () => {
    expect({
      hours: ["0", "23", "023", "7 "].map((v) => validationRegex("schedule.pauseEndHour").test(v)),
      noProgress: ["1", "48", "049", "006"].map((v) =>
        validationRegex("hosting.noProgressAlertHours").test(v),
      ),
      email: ["", "a@b.co", `${"a".repeat(250)}@b.co`].map((v) =>
        validationRegex("hosting.alertEmail").test(v),
      ),
    }).toEqual({
      hours: [true, true, false, false],
      noProgress: [true, true, false, false],
      email: [true, true, false],
    });
  });

  it("explain every element that takes a tooltip", () => {
    const noToolTip = [
      "Microsoft.Common.InfoBox",
      "Microsoft.Common.Section",
      "Microsoft.Common.TextBlock",
      "Microsoft.Solutions.ArmApiControl",
    ];
    const missing = ALL_ELEMENTS.filter(
      (e) => !noToolTip.includes(String(e.type)) && String(e.toolTip ?? "").trim() === "",
    ).map((e) => e.name);
    expect(missing).toEqual([]);
    expect(ELEMENTS.get("schedule.startDate")?.toolTip).toMatch(/AZURE_StartDate/);
    expect(ELEMENTS.get("schedule.endDate")?.toolTip).toMatch(/AZURE_EndDate/);
  });

  it("asks for the client secret twice, at least 16 characters, and refuses a secret's GUID id", () => {
    const box = ELEMENTS.get("auth.clientSecret")!;
    const regex = new RegExp(String(asObject(box.constraints, "c").regex));
    expect({
      confirmation: asObject(box.options, "o").hideConfirmation,
      accepted: ["Ab1~xQ8Q~abcdefghijklmnopqrstuvwxyz01234", "0123456789abcdef"].map((v) =>
        regex.test(v),
      ),
      refused: [
        "x",
        "short-secret",
        "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "has a space inside it",
      ].map((v) => regex.test(v)),
    }).toEqual({
      confirmation: false,
      accepted: [true, true],
      refused: [false, false, false, false],
    });
  });
});

describe("the wizard's Key Vault create mode", () => {
  const SUB_ID = "00000000-0000-0000-0000-000000000001";
  const RG = {
    id: `/subscriptions/${SUB_ID}/resourceGroups/rg-migrate`,
    name: "rg-migrate",
    location: "westeurope",
  };
  const SERVERS = `/subscriptions/${SUB_ID}/resourceGroups/rg-fhir/providers`;

  /** The vault name the template gives this prefix in RG (the ARM evaluator runs the template). */
  const vaultName = (prefix: string): string =>
    String(
      new ArmEvaluator(template, {
        parameters: {
          prefix,
          sourceResourceId: `${SERVERS}/Microsoft.HealthcareApis/services/api`,
          destinationResourceId: `${SERVERS}/Microsoft.HealthcareApis/workspaces/ws/fhirservices/fhir`,
          stagingStorageAccountResourceId: `${SERVERS}/Microsoft.Storage/storageAccounts/staging`,
          useClientCredentials: true,
        },
        resourceGroup: RG,
      }).variable("keyVaultName"),
    );

  /** A soft-deleted vault as Vaults_ListDeleted returns it (REST specification example). */
  const deletedVault = (name: string, resourceGroupId = RG.id): JsonObject => ({
    id: `/subscriptions/${SUB_ID}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/${name}`,
    name,
    type: "Microsoft.KeyVault/deletedVaults",
    properties: {
      vaultId: `${resourceGroupId}/providers/Microsoft.KeyVault/vaults/${name}`,
      location: "westeurope",
      deletionDate: "2026-11-30T10:00:00Z",
      scheduledPurgeDate: "2026-12-07T10:00:00Z",
    },
  });

  const answers = (
    prefix: string,
    deleted: JsonValue[] | undefined,
    recover?: boolean,
  ): WizardAnswers => ({
    basics: { prefix, deletedVaults: deleted === undefined ? undefined : { value: deleted } },
    steps: { auth: { useClientCredentials: true, recoverKeyVault: recover } },
    resourceGroup: { name: RG.name, location: RG.location, mode: "New" },
    subscription: { id: `/subscriptions/${SUB_ID}`, subscriptionId: SUB_ID },
    location: RG.location,
  });

  const mode = (a: WizardAnswers) => evaluateUiDef(outputs.keyVaultCreateMode!, a);
  const shown = (key: string, a: WizardAnswers) =>
    evaluateUiDef(String(ELEMENTS.get(key)?.visible), a);

  it("recovers the soft-deleted vault of this prefix and resource group, and says so", () => {
    // The prefix in capitals, the resource group in other casing in the vault id: names compare case-insensitively.
    const a = answers("Mig", [
      deletedVault("kvother0000000000000"),
      deletedVault(vaultName("Mig"), RG.id.toUpperCase()),
    ]);
    expect([mode(a), shown("auth.keyVaultRecovered", a), shown("auth.recoverKeyVault", a)]).toEqual(
      ["recover", true, false],
    );
  });

  it("creates the vault when none of this deployment is deleted", () => {
    const a = answers("mig", [
      deletedVault(vaultName("mig1")),
      deletedVault(vaultName("mig"), `/subscriptions/${SUB_ID}/resourceGroups/rg-other`),
    ]);
    expect([mode(a), shown("auth.keyVaultRecovered", a), shown("auth.recoverKeyVault", a)]).toEqual(
      ["default", false, true],
    );
  });

  it("creates the vault when the deleted vaults cannot be listed, unless the user asks to recover", () => {
    expect([mode(answers("mig", undefined)), mode(answers("mig", undefined, true))]).toEqual([
      "default",
      "recover",
    ]);
  });
});
