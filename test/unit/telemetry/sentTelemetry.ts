/**
 * What the code actually sends to Application Insights, read from the sources with the TypeScript
 * compiler: every `telemetry.trackEvent(name, {...})` call under src/, the property names of its
 * object (following spreads of a helper's parameter to the helper's call sites) and, where the value
 * is a string literal (or a helper's parameter given literals), the values sent.
 *
 * The declarations in src/telemetry/events.ts only say what a call MAY send; dashboard queries and
 * docs are checked against this instead, so a query reading a property no call sends fails a test.
 * Anything this cannot follow (a property object built elsewhere) is reported as a problem rather
 * than guessed.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

const SRC = join(__dirname, "..", "..", "..", "src");

/** Property name → the literal values sent, or "any" when some value is not a literal. */
export type SentProperties = Map<string, Set<string> | "any">;

export interface SentTelemetry {
  events: Map<string, SentProperties>;
  /** Call sites whose event name or properties could not be followed. */
  problems: string[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [join(dir, e.name)]
        : [],
  );
}

function where(node: ts.Node): string {
  const file = node.getSourceFile();
  const { line } = file.getLineAndCharacterOfPosition(node.getStart());
  return `${file.fileName.slice(SRC.length - 3)}:${line + 1}`;
}

let analyzed: SentTelemetry | undefined;

/** Analysed once per worker: the unit tier shares modules between files, and this takes seconds. */
export function analyzeSentTelemetry(): SentTelemetry {
  analyzed ??= analyze();
  return analyzed;
}

function analyze(): SentTelemetry {
  const program = ts.createProgram(sourceFiles(SRC), {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    // Only the sources' own symbols matter: no package or DOM declarations to read (half the time).
    noResolve: true,
    types: [],
    lib: ["lib.es2022.d.ts"],
  });
  const checker = program.getTypeChecker();
  const files = program.getSourceFiles().filter((f) => f.fileName.startsWith(SRC));
  const calls: ts.CallExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) calls.push(node);
    ts.forEachChild(node, visit);
  };
  files.forEach(visit);

  const problems: string[] = [];
  const events = new Map<string, SentProperties>();

  /** The symbol an expression names, through imports. */
  const symbolOf = (node: ts.Node): ts.Symbol | undefined => {
    const symbol = checker.getSymbolAtLocation(node);
    return symbol !== undefined && (symbol.flags & ts.SymbolFlags.Alias) !== 0
      ? checker.getAliasedSymbol(symbol)
      : symbol;
  };

  /** The parameter an identifier names, with its index and function, if it is one. */
  const parameterOf = (
    id: ts.Identifier,
  ): { fn: ts.FunctionDeclaration; index: number; param: ts.ParameterDeclaration } | undefined => {
    const decl = checker.getSymbolAtLocation(id)?.valueDeclaration;
    if (decl === undefined || !ts.isParameter(decl)) return undefined;
    const fn = decl.parent;
    if (!ts.isFunctionDeclaration(fn)) return undefined;
    return { fn, index: fn.parameters.indexOf(decl), param: decl };
  };

  /** The expressions a function's parameter receives: each call site's argument, or the default. */
  const argumentsOf = (fn: ts.FunctionDeclaration, index: number): ts.Expression[] => {
    const fnSymbol = fn.name === undefined ? undefined : symbolOf(fn.name);
    const found: ts.Expression[] = [];
    for (const call of calls) {
      if (fnSymbol === undefined || symbolOf(call.expression) !== fnSymbol) continue;
      const arg = call.arguments[index];
      const fallback = fn.parameters[index]?.initializer;
      if (arg !== undefined) found.push(arg);
      else if (fallback !== undefined) found.push(fallback);
    }
    return found;
  };

  const addValue = (props: SentProperties, key: string, value: ts.Expression): void => {
    const values = literalValues(value);
    const known = props.get(key);
    if (values === "any" || known === "any") props.set(key, "any");
    else props.set(key, new Set([...(known ?? []), ...values]));
  };

  const literalValues = (value: ts.Expression): Set<string> | "any" => {
    if (ts.isStringLiteral(value) || ts.isNoSubstitutionTemplateLiteral(value))
      return new Set([value.text]);
    if (ts.isIdentifier(value)) {
      const p = parameterOf(value);
      if (p !== undefined) {
        const all = new Set<string>();
        const args = argumentsOf(p.fn, p.index);
        if (args.length === 0) return "any";
        for (const arg of args) {
          const v = literalValues(arg);
          if (v === "any") return "any";
          v.forEach((x) => all.add(x));
        }
        return all;
      }
    }
    return "any";
  };

  const collect = (expr: ts.Expression, props: SentProperties, site: ts.Node): void => {
    if (ts.isParenthesizedExpression(expr)) return collect(expr.expression, props, site);
    if (ts.isConditionalExpression(expr)) {
      collect(expr.whenTrue, props, site);
      collect(expr.whenFalse, props, site);
      return;
    }
    if (ts.isObjectLiteralExpression(expr)) {
      for (const prop of expr.properties) {
        if (ts.isSpreadAssignment(prop)) collect(prop.expression, props, site);
        else if (ts.isPropertyAssignment(prop) && !ts.isComputedPropertyName(prop.name))
          addValue(props, prop.name.text, prop.initializer);
        else if (ts.isShorthandPropertyAssignment(prop)) addValue(props, prop.name.text, prop.name);
        else problems.push(`${where(prop)}: cannot read property ${prop.getText()}`);
      }
      return;
    }
    if (ts.isIdentifier(expr)) {
      const p = parameterOf(expr);
      if (p !== undefined) {
        for (const arg of argumentsOf(p.fn, p.index)) collect(arg, props, site);
        return;
      }
    }
    problems.push(`${where(site)}: cannot follow the properties ${expr.getText()}`);
  };

  for (const call of calls) {
    const callee = call.expression;
    if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== "trackEvent") continue;
    const [name, properties] = call.arguments;
    // The Telemetry implementations forward their own parameters: not an emitting call site.
    if (call.getSourceFile().fileName.startsWith(join(SRC, "telemetry"))) continue;
    if (name === undefined || !ts.isStringLiteral(name) || properties === undefined) {
      problems.push(`${where(call)}: the event name is not a string literal`);
      continue;
    }
    const props = events.get(name.text) ?? new Map<string, Set<string> | "any">();
    collect(properties, props, call);
    events.set(name.text, props);
  }
  return { events, problems };
}

/** Event → property names sent. */
export function sentPropertyNames(sent: SentTelemetry): Record<string, string[]> {
  return Object.fromEntries([...sent.events].map(([event, props]) => [event, [...props.keys()]]));
}

/** Event → property → literal values sent ("any" when some value is not a literal). */
export function sentPropertyValues(
  sent: SentTelemetry,
): Record<string, Record<string, string[] | "any">> {
  return Object.fromEntries(
    [...sent.events].map(([event, props]) => [
      event,
      Object.fromEntries([...props].map(([k, v]) => [k, v === "any" ? "any" : [...v]])),
    ]),
  );
}
