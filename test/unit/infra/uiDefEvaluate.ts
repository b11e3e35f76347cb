/**
 * A small evaluator of CreateUiDefinition expressions (infra/uiDefForm.json), enough for the ones
 * its outputs and `visible` conditions use, so a test can run the wizard's logic on given answers.
 * Function semantics follow the CreateUiDefinition function reference (learn.microsoft.com/azure/
 * azure-resource-manager/managed-applications/create-uidefinition-functions): `filter(array,
 * (x) => ...)` keeps the items the lambda holds for, `coalesce` returns its first non-null argument,
 * `parse` reads JSON text. Anything else throws, naming it.
 */
import type { JsonObject, JsonValue } from "./infra-checks";
import { isObject } from "./infra-checks";

/** What the user chose: elements by step (`basics` for the basics page), resource group, subscription. */
export interface WizardAnswers {
  basics: Record<string, JsonValue | undefined>;
  steps: Record<string, Record<string, JsonValue | undefined>>;
  resourceGroup: { name: string; location: string; mode: "New" | "Existing" };
  subscription: { id: string; subscriptionId: string };
  location: string;
}

type Value = JsonValue | undefined;

type Node =
  | { kind: "literal"; value: JsonValue }
  | { kind: "name"; name: string }
  | { kind: "call"; name: string; args: Node[] }
  | { kind: "member"; target: Node; key: string }
  | { kind: "lambda"; param: string; body: Node };

function parse(text: string): Node {
  let i = 0;
  const space = () => {
    while (/\s/.test(text[i] ?? "")) i++;
  };
  const word = (): string => {
    space();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (m === null) throw new Error(`expected a name at ${i} in ${text}`);
    i += m[0].length;
    return m[0];
  };
  const node = (): Node => {
    space();
    let n: Node;
    const lambda = /^\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*=>/.exec(text.slice(i));
    if (lambda !== null) {
      i += lambda[0].length;
      return { kind: "lambda", param: lambda[1]!, body: node() };
    }
    if (text[i] === "'") {
      let value = "";
      i++;
      while (!(text[i] === "'" && text[i + 1] !== "'")) {
        if (i >= text.length) throw new Error(`unterminated string in ${text}`);
        if (text[i] === "'") i++;
        value += text[i++];
      }
      i++;
      n = { kind: "literal", value };
    } else if (/[0-9-]/.test(text[i] ?? "")) {
      const m = /^-?\d+/.exec(text.slice(i))!;
      i += m[0].length;
      n = { kind: "literal", value: Number(m[0]) };
    } else {
      const name = word();
      space();
      if (text[i] === "(") {
        i++;
        const args: Node[] = [];
        space();
        while (text[i] !== ")") {
          args.push(node());
          space();
          if (text[i] === ",") i++;
          space();
        }
        i++;
        n = { kind: "call", name, args };
      } else if (name === "true" || name === "false")
        n = { kind: "literal", value: name === "true" };
      else n = { kind: "name", name };
    }
    for (;;) {
      space();
      if (text[i] !== ".") return n;
      i++;
      n = { kind: "member", target: n, key: word() };
    }
  };
  const root = node();
  space();
  if (i !== text.length) throw new Error(`trailing text at ${i} in ${text}`);
  return root;
}

export function evaluateUiDef(expression: string, answers: WizardAnswers): Value {
  const body = expression.startsWith("[") ? expression.slice(1, -1) : expression;
  return evaluate(parse(body), answers, {});
}

function evaluate(n: Node, a: WizardAnswers, scope: Record<string, Value>): Value {
  switch (n.kind) {
    case "literal":
      return n.value;
    case "name":
      if (!(n.name in scope)) throw new Error(`unknown name ${n.name}`);
      return scope[n.name];
    case "member": {
      const target = evaluate(n.target, a, scope);
      return isObject(target ?? null) ? (target as JsonObject)[n.key] : undefined;
    }
    case "lambda":
      throw new Error("a lambda outside filter()");
    case "call":
      return call(n, a, scope);
  }
}

function call(
  n: Extract<Node, { kind: "call" }>,
  a: WizardAnswers,
  scope: Record<string, Value>,
): Value {
  if (n.name === "filter") {
    const list = evaluate(n.args[0]!, a, scope);
    const lambda = n.args[1]!;
    if (!Array.isArray(list)) throw new Error("filter() of a non-array");
    if (lambda.kind !== "lambda") throw new Error("filter() needs a lambda");
    return list.filter(
      (item) => evaluate(lambda.body, a, { ...scope, [lambda.param]: item }) === true,
    );
  }
  if (n.name === "if") {
    const condition = evaluate(n.args[0]!, a, scope);
    return evaluate(n.args[condition === true ? 1 : 2]!, a, scope);
  }
  const v = n.args.map((x) => evaluate(x, a, scope));
  const str = (i: number) => {
    if (typeof v[i] !== "string") throw new Error(`${n.name}: argument ${i} is not text`);
    return v[i] as string;
  };
  switch (n.name) {
    case "basics":
      return a.basics[str(0)];
    case "steps":
      return a.steps[str(0)] as JsonValue;
    case "resourceGroup":
      return { ...a.resourceGroup };
    case "subscription":
      return { ...a.subscription };
    case "location":
      return a.location;
    case "coalesce":
      return v.find((x) => x !== undefined && x !== null);
    case "parse":
      return JSON.parse(str(0)) as JsonValue;
    case "concat":
      return v.map((x) => String(x)).join("");
    case "toLower":
      return str(0).toLowerCase();
    case "startsWith":
      return str(0).startsWith(str(1));
    case "length": {
      const x = v[0];
      if (typeof x === "string" || Array.isArray(x)) return x.length;
      throw new Error("length() of neither text nor an array");
    }
    case "add":
      return (v[0] as number) + (v[1] as number);
    case "equals":
      return JSON.stringify(v[0]) === JSON.stringify(v[1]);
    case "greater":
      return (v[0] as number) > (v[1] as number);
    case "and":
      return v.every((x) => x === true);
    case "or":
      return v.some((x) => x === true);
    case "not":
      return v[0] !== true;
    case "int":
      return Number(v[0]);
    default:
      throw new Error(`function ${n.name}() is not supported by the test evaluator`);
  }
}
