/**
 * What the code actually sends to Application Insights, read from the sources with the TypeScript
 * compiler: every `telemetry.trackEvent(name, {...})` call under src/, the property names of its
 * object (following spreads of a helper's parameter to the helper's call sites, and of a helper's
 * call to the objects it returns) and, where the value is a string literal (or a helper's parameter
 * given literals), the values sent. A helper generic over the event name (`trackEvent(event, ...)`
 * with `event` its parameter) is read once per call site, with that call's arguments.
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
  /** A helper's parameters bound to one call site's arguments. */
  type Bindings = ReadonlyMap<ts.ParameterDeclaration, ts.Expression>;
  const NONE: Bindings = new Map();
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

  /** A call's arguments (or the defaults) for the function's parameters. */
  const bind = (fn: ts.FunctionDeclaration, call: ts.CallExpression, outer: Bindings): Bindings =>
    new Map(
      fn.parameters.flatMap((param, i) => {
        const arg = call.arguments[i] ?? param.initializer;
        if (arg === undefined) return [];
        const p = ts.isIdentifier(arg) ? parameterOf(arg) : undefined;
        return [[param, (p !== undefined ? outer.get(p.param) : undefined) ?? arg] as const];
      }),
    );

  /** The function declaration a call calls, when it is one of the sources'. */
  const calledFunction = (call: ts.CallExpression): ts.FunctionDeclaration | undefined => {
    const decl = symbolOf(call.expression)?.valueDeclaration;
    return decl !== undefined && ts.isFunctionDeclaration(decl) && decl.body !== undefined
      ? decl
      : undefined;
  };

  /** The expressions a function returns (not those of functions nested in it). */
  const returned = (fn: ts.FunctionDeclaration): ts.Expression[] => {
    const found: ts.Expression[] = [];
    const visitBody = (node: ts.Node): void => {
      if (ts.isReturnStatement(node) && node.expression !== undefined) found.push(node.expression);
      else if (!ts.isFunctionLike(node)) ts.forEachChild(node, visitBody);
    };
    if (fn.body !== undefined) ts.forEachChild(fn.body, visitBody);
    return found;
  };

  const addValue = (
    props: SentProperties,
    key: string,
    value: ts.Expression,
    bindings: Bindings,
  ): void => {
    const values = literalValues(value, bindings);
    const known = props.get(key);
    if (values === "any" || known === "any") props.set(key, "any");
    else props.set(key, new Set([...(known ?? []), ...values]));
  };

  const literalValues = (value: ts.Expression, bindings: Bindings = NONE): Set<string> | "any" => {
    if (ts.isStringLiteral(value) || ts.isNoSubstitutionTemplateLiteral(value))
      return new Set([value.text]);
    if (ts.isIdentifier(value)) {
      const p = parameterOf(value);
      const bound = p === undefined ? undefined : bindings.get(p.param);
      if (bound !== undefined) return literalValues(bound);
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

  const collect = (
    expr: ts.Expression,
    props: SentProperties,
    site: ts.Node,
    bindings: Bindings = NONE,
  ): void => {
    if (ts.isParenthesizedExpression(expr)) return collect(expr.expression, props, site, bindings);
    if (ts.isConditionalExpression(expr)) {
      collect(expr.whenTrue, props, site, bindings);
      collect(expr.whenFalse, props, site, bindings);
      return;
    }
    if (ts.isObjectLiteralExpression(expr)) {
      for (const prop of expr.properties) {
        if (ts.isSpreadAssignment(prop)) collect(prop.expression, props, site, bindings);
        else if (ts.isPropertyAssignment(prop) && !ts.isComputedPropertyName(prop.name))
          addValue(props, prop.name.text, prop.initializer, bindings);
        else if (ts.isShorthandPropertyAssignment(prop))
          addValue(props, prop.name.text, prop.name, bindings);
        else problems.push(`${where(prop)}: cannot read property ${prop.getText()}`);
      }
      return;
    }
    if (ts.isCallExpression(expr)) {
      const fn = calledFunction(expr);
      if (fn !== undefined) {
        const inner = bind(fn, expr, bindings);
        for (const value of returned(fn)) collect(value, props, site, inner);
        return;
      }
    }
    if (ts.isIdentifier(expr)) {
      const p = parameterOf(expr);
      const bound = p === undefined ? undefined : bindings.get(p.param);
      if (bound !== undefined) return collect(bound, props, site);
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
    if (properties === undefined) continue;
    const eventParam = name !== undefined && ts.isIdentifier(name) ? parameterOf(name) : undefined;
    // A helper generic over the event: each of its call sites names the event and gives the rest.
    const sites: [ts.Expression | undefined, Bindings, ts.Node][] =
      eventParam === undefined
        ? [[name, NONE, call]]
        : calls
            .filter((c) => calledFunction(c) === eventParam.fn)
            .map((c) => {
              const bindings = bind(eventParam.fn, c, NONE);
              return [bindings.get(eventParam.param), bindings, c];
            });
    for (const [event, bindings, site] of sites) {
      if (event === undefined || !ts.isStringLiteral(event)) {
        problems.push(`${where(site)}: the event name is not a string literal`);
        continue;
      }
      const props = events.get(event.text) ?? new Map<string, Set<string> | "any">();
      collect(properties, props, site, bindings);
      events.set(event.text, props);
    }
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
