/**
 * A small evaluator of ARM template expressions, enough for the functions infra/main.json uses at
 * its top level, so tests can check what a deployment with given parameters would create (names,
 * conditions, settings) rather than the expression text. Function semantics follow the ARM
 * template function reference (learn.microsoft.com/azure/azure-resource-manager/templates/
 * template-functions); uniqueString and guid are deterministic stand-ins (same input, same output).
 */
import { createHash } from "node:crypto";
import type { JsonObject, JsonValue } from "./infra-checks";
import { isObject } from "./infra-checks";

export interface Deployment {
  /** Parameter values; the template's defaults fill the rest. */
  parameters: Record<string, JsonValue>;
  resourceGroup?: { id: string; name: string; location: string };
  /** environment().suffixes etc.; the public cloud's by default. */
  environment?: JsonObject;
}

const PUBLIC_CLOUD: JsonObject = {
  name: "AzureCloud",
  suffixes: {
    storage: "core.windows.net",
    keyvaultDns: ".vault.azure.net",
  },
};

type Token =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "name"; value: string }
  | { kind: "punct"; value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new Error(`unterminated string in ${text}`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      tokens.push({ kind: "string", value });
    } else if (/[0-9-]/.test(c)) {
      const m = /^-?\d+/.exec(text.slice(i))!;
      tokens.push({ kind: "number", value: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      tokens.push({ kind: "name", value: m[0] });
      i += m[0].length;
    } else if ("(),.[]".includes(c)) {
      tokens.push({ kind: "punct", value: c });
      i++;
    } else {
      throw new Error(`unexpected ${c} in ${text}`);
    }
  }
  return tokens;
}

type Node =
  | { kind: "literal"; value: JsonValue }
  | { kind: "call"; name: string; args: Node[] }
  | { kind: "member"; target: Node; key: string }
  | { kind: "index"; target: Node; index: Node };

function parse(text: string): Node {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const expect = (value: string) => {
    const t = tokens[pos++];
    if (t?.kind !== "punct" || t.value !== value) throw new Error(`expected ${value} in ${text}`);
  };
  const primary = (): Node => {
    const t = tokens[pos++];
    if (t === undefined) throw new Error(`unexpected end of ${text}`);
    let node: Node;
    if (t.kind === "string" || t.kind === "number") node = { kind: "literal", value: t.value };
    else if (t.kind === "name") {
      expect("(");
      const args: Node[] = [];
      while (!(peek()?.kind === "punct" && peek()?.value === ")")) {
        args.push(primary());
        if (peek()?.kind === "punct" && peek()?.value === ",") pos++;
      }
      expect(")");
      node = { kind: "call", name: t.value.toLowerCase(), args };
    } else throw new Error(`unexpected ${t.value} in ${text}`);
    for (;;) {
      const n = peek();
      if (n?.kind === "punct" && n.value === ".") {
        pos++;
        const key = tokens[pos++];
        if (key?.kind !== "name") throw new Error(`expected a property name in ${text}`);
        node = { kind: "member", target: node, key: key.value };
      } else if (n?.kind === "punct" && n.value === "[") {
        pos++;
        const index = primary();
        expect("]");
        node = { kind: "index", target: node, index };
      } else return node;
    }
  };
  const node = primary();
  if (pos !== tokens.length) throw new Error(`trailing tokens in ${text}`);
  return node;
}

const hash = (...parts: JsonValue[]): string =>
  createHash("sha256").update(JSON.stringify(parts)).digest("hex");

export class ArmEvaluator {
  private readonly variableCache = new Map<string, JsonValue>();
  private readonly params: Record<string, JsonValue>;
  private readonly rg: { id: string; name: string; location: string };
  private readonly env: JsonObject;
  private copyIndexValue: number | undefined;

  constructor(
    private readonly template: JsonObject,
    deployment: Deployment,
  ) {
    const declared = (template.parameters ?? {}) as JsonObject;
    const unknown = Object.keys(deployment.parameters).filter((k) => declared[k] === undefined);
    if (unknown.length > 0) throw new Error(`unknown parameters: ${unknown.join(", ")}`);
    this.rg = deployment.resourceGroup ?? {
      id: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-migrate",
      name: "rg-migrate",
      location: "westeurope",
    };
    this.env = deployment.environment ?? PUBLIC_CLOUD;
    this.params = {};
    for (const [name, spec] of Object.entries(declared)) {
      const given = deployment.parameters[name];
      if (given !== undefined) this.params[name] = given;
      else if (isObject(spec) && spec.defaultValue !== undefined)
        this.params[name] = this.value(spec.defaultValue);
      else throw new Error(`parameter ${name} has no value and no default`);
      const allowed = isObject(spec) ? spec.allowedValues : undefined;
      if (Array.isArray(allowed) && !allowed.includes(this.params[name]!)) {
        throw new Error(`parameter ${name}: ${String(this.params[name])} is not allowed`);
      }
    }
  }

  /** A template value with every expression in it evaluated. */
  value(node: JsonValue): JsonValue {
    if (typeof node === "string") {
      if (node.startsWith("[[")) return node.slice(1);
      if (node.startsWith("[") && node.endsWith("]")) return this.expression(node.slice(1, -1));
      return node;
    }
    if (Array.isArray(node)) return node.map((n) => this.value(n));
    if (isObject(node)) {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, this.value(v)]));
    }
    return node;
  }

  expression(text: string): JsonValue {
    return this.evaluate(parse(text));
  }

  variable(name: string): JsonValue {
    if (!this.variableCache.has(name)) {
      const vars = (this.template.variables ?? {}) as JsonObject;
      if (vars[name] === undefined) throw new Error(`variable ${name} is not declared`);
      this.variableCache.set(name, this.value(vars[name]));
    }
    return this.variableCache.get(name)!;
  }

  /**
   * Top-level resources of this type (every type when omitted) whose condition holds, evaluated; a
   * resource with a copy loop once per index.
   */
  resources(type?: string): JsonObject[] {
    return (this.template.resources as JsonObject[])
      .filter((r) => type === undefined || r.type === type)
      .filter((r) => r.condition === undefined || this.value(r.condition) === true)
      .flatMap((r) => {
        if (!isObject(r.copy)) return [this.evaluated(r)];
        const count = this.value(r.copy.count!) as number;
        return Array.from({ length: count }, (_, i) => {
          this.copyIndexValue = i;
          try {
            return this.evaluated(r);
          } finally {
            this.copyIndexValue = undefined;
          }
        });
      });
  }

  /** A nested deployment's inner template, with the parameter values the deployment passes it. */
  inner(deployment: JsonObject): ArmEvaluator {
    const properties = deployment.properties as JsonObject;
    const passed = (properties.parameters ?? {}) as Record<string, JsonObject>;
    return new ArmEvaluator(properties.template as JsonObject, {
      parameters: Object.fromEntries(
        Object.entries(passed).map(([name, p]) => [name, this.value(p.value!)]),
      ),
      resourceGroup: this.rg,
      environment: this.env,
    });
  }

  private evaluated(r: JsonObject): JsonObject {
    const { properties, ...rest } = r;
    const evaluated = this.value(rest) as JsonObject;
    // Nested deployments keep their inner template unevaluated (its own scope): see inner().
    if (r.type === "Microsoft.Resources/deployments")
      return { ...evaluated, properties: properties! };
    return { ...evaluated, properties: properties === undefined ? null : this.value(properties) };
  }

  private evaluate(node: Node): JsonValue {
    switch (node.kind) {
      case "literal":
        return node.value;
      case "member": {
        const target = this.evaluate(node.target);
        if (!isObject(target)) throw new Error(`.${node.key} of a non-object`);
        const key = Object.keys(target).find((k) => k.toLowerCase() === node.key.toLowerCase());
        if (key === undefined) throw new Error(`no property ${node.key}`);
        return target[key]!;
      }
      case "index": {
        const target = this.evaluate(node.target);
        const index = this.evaluate(node.index);
        if (Array.isArray(target) && typeof index === "number") {
          if (index >= target.length) throw new Error(`index ${index} out of range`);
          return target[index]!;
        }
        if (isObject(target) && typeof index === "string") return target[index]!;
        throw new Error("bad index");
      }
      case "call":
        return this.call(node.name, node.args);
    }
  }

  private call(name: string, argNodes: Node[]): JsonValue {
    if (name === "if") {
      const condition = this.evaluate(argNodes[0]!);
      return this.evaluate(argNodes[condition === true ? 1 : 2]!);
    }
    const args = argNodes.map((a) => this.evaluate(a));
    const str = (i: number): string => {
      const v = args[i];
      if (typeof v !== "string") throw new Error(`${name}: argument ${i} is not a string`);
      return v;
    };
    switch (name) {
      case "parameters": {
        const v = this.params[str(0)];
        if (v === undefined) throw new Error(`parameter ${str(0)} is not declared`);
        return v;
      }
      case "variables":
        return this.variable(str(0));
      case "concat":
        return args.every(Array.isArray)
          ? (args as JsonValue[][]).flat()
          : args.map((a) => String(a)).join("");
      case "tolower":
        return str(0).toLowerCase();
      case "toupper":
        return str(0).toUpperCase();
      case "uniquestring":
        return hash(...args).slice(0, 13);
      case "guid": {
        const h = hash(...args);
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
      }
      case "take": {
        const v = args[0];
        const n = args[1] as number;
        return typeof v === "string" ? v.slice(0, n) : (v as JsonValue[]).slice(0, n);
      }
      case "format":
        return str(0).replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i) + 1]));
      case "copyindex":
        if (this.copyIndexValue === undefined) throw new Error("copyIndex() outside a copy loop");
        return this.copyIndexValue + (typeof args[0] === "number" ? args[0] : 0);
      case "less":
      case "lessorequals":
      case "greater":
      case "greaterorequals": {
        const [a, b] = args as [number | string, number | string];
        if (typeof a !== typeof b) throw new Error(`${name}: arguments of different types`);
        return name === "less"
          ? a < b
          : name === "lessorequals"
            ? a <= b
            : name === "greater"
              ? a > b
              : a >= b;
      }
      case "equals":
        return JSON.stringify(args[0]) === JSON.stringify(args[1]);
      case "not":
        return args[0] !== true;
      case "and":
        return args.every((a) => a === true);
      case "or":
        return args.some((a) => a === true);
      case "true":
        return true;
      case "false":
        return false;
      case "empty": {
        const v = args[0];
        if (v === null || v === "") return true;
        if (Array.isArray(v)) return v.length === 0;
        return isObject(v) && Object.keys(v).length === 0;
      }
      case "contains": {
        const [c, item] = args;
        if (typeof c === "string") return c.toLowerCase().includes(String(item).toLowerCase());
        if (Array.isArray(c)) return c.includes(item!);
        return (
          isObject(c) && Object.keys(c).some((k) => k.toLowerCase() === String(item).toLowerCase())
        );
      }
      case "split":
        return str(0).split(str(1));
      case "last": {
        const v = args[0];
        return typeof v === "string"
          ? v.slice(-1)
          : (v as JsonValue[])[(v as JsonValue[]).length - 1]!;
      }
      case "first": {
        const v = args[0];
        return typeof v === "string" ? v.slice(0, 1) : (v as JsonValue[])[0]!;
      }
      case "length": {
        const v = args[0];
        return typeof v === "string" || Array.isArray(v)
          ? v.length
          : Object.keys(v as JsonObject).length;
      }
      case "string":
        return typeof args[0] === "string" ? args[0] : JSON.stringify(args[0]);
      case "int": {
        // ARM fails the deployment when the text is not a whole number, quoting it.
        if (!/^-?\d+$/.test(String(args[0]).trim()))
          throw new Error(`int(): '${String(args[0])}' is not a valid integer`);
        return Number(args[0]);
      }
      case "json":
        return JSON.parse(str(0)) as JsonValue;
      case "createobject": {
        const out: JsonObject = {};
        for (let i = 0; i < args.length; i += 2) out[String(args[i])] = args[i + 1]!;
        return out;
      }
      case "createarray":
        return args;
      case "union":
        return Object.assign({}, ...(args as JsonObject[])) as JsonObject;
      case "resourcegroup":
        return { ...this.rg };
      case "subscription":
        return {
          subscriptionId: this.rg.id.split("/")[2]!,
          tenantId: "00000000-0000-0000-0000-0000000000aa",
          id: `/subscriptions/${this.rg.id.split("/")[2]!}`,
        };
      case "environment":
        return this.env;
      case "deployment":
        return { name: "main" };
      case "resourceid": {
        const typeIndex = args.findIndex((a) => typeof a === "string" && a.includes("/"));
        const prefix =
          typeIndex === 2
            ? `/subscriptions/${String(args[0])}/resourceGroups/${String(args[1])}`
            : typeIndex === 1
              ? `${this.rg.id.split("/resourceGroups/")[0]!}/resourceGroups/${String(args[0])}`
              : this.rg.id;
        const [provider, ...types] = str(typeIndex).split("/");
        const names = args.slice(typeIndex + 1).map(String);
        return `${prefix}/providers/${provider!}/${types.map((t, i) => `${t}/${names[i]!}`).join("/")}`;
      }
      case "subscriptionresourceid": {
        const typeIndex = args.findIndex((a) => typeof a === "string" && a.includes("/"));
        const subscription = typeIndex === 1 ? String(args[0]) : this.rg.id.split("/")[2]!;
        const [provider, ...types] = str(typeIndex).split("/");
        const names = args.slice(typeIndex + 1).map(String);
        return `/subscriptions/${subscription}/providers/${provider!}/${types.map((t, i) => `${t}/${names[i]!}`).join("/")}`;
      }
      case "reference":
        return {
          ConnectionString: "InstrumentationKey=00000000-0000-0000-0000-0000000000ee",
          identity: { principalId: "00000000-0000-0000-0000-0000000000bb" },
        };
      default:
        throw new Error(`function ${name}() is not supported by the test evaluator`);
    }
  }
}
