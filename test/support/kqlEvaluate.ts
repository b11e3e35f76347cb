/**
 * A small evaluator of the Kusto (KQL) the dashboard tiles and alert rules use, enough to run their
 * text against rows built from the events the code sends (customEventRows below), so a test
 * shows what a tile would count rather than only which names it reads. Semantics follow the Kusto
 * query language reference (learn.microsoft.com/kusto/query): `summarize` groups by its keys and
 * `arg_max(by, cols)` returns the columns of the group's row with the largest `by`; `top` and
 * `order by` sort descending unless told `asc`; `join kind=leftouter` keeps every left row and
 * renames a right column that repeats a left one with the suffix 1; `tostring` of an empty value is
 * "", `tolong`/`todouble` of text that is no number are null; aggregates skip nulls. Anything
 * outside this subset throws, naming it.
 */

import { stringifyProperties } from "../../src/telemetry/appInsights";
import type { RecordedEvent } from "../../src/telemetry/telemetry";

export type Value = string | number | boolean | null | { [key: string]: string } | Value[];
export type Row = Record<string, Value>;
export type Tables = Record<string, Row[]>;

type Token =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "name"; value: string }
  | { kind: "op"; value: string };

const SPANS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated string in ${text}`);
      tokens.push({ kind: "string", value: text.slice(i + 1, end) });
      i = end + 1;
    } else if (/[0-9]/.test(c)) {
      const m = /^(\d+(?:\.\d+)?)([dhms](?![A-Za-z0-9_]))?/.exec(text.slice(i))!;
      const n = Number(m[1]);
      tokens.push({ kind: "number", value: m[2] === undefined ? n : n * SPANS[m[2]]! });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*(?:-[a-z]+)?/.exec(text.slice(i))!;
      // An operator's name may hold a hyphen (project-away); elsewhere a hyphen is a minus.
      const last = tokens.at(-1);
      const afterPipe = last?.kind === "op" && last.value === "|";
      const word = afterPipe ? m[0] : /^[A-Za-z_][A-Za-z0-9_]*/.exec(m[0])![0];
      tokens.push({ kind: "name", value: word });
      i += word.length;
    } else {
      const two = text.slice(i, i + 2);
      const op = ["==", "!=", "<=", ">="].includes(two) ? two : c;
      if (!"()[],.=<>+-*/|;!".includes(op[0]!)) throw new Error(`unexpected ${c} in ${text}`);
      tokens.push({ kind: "op", value: op });
      i += op.length;
    }
  }
  return tokens;
}

type Expr =
  | { kind: "literal"; value: Value }
  | { kind: "column"; name: string }
  | { kind: "member"; target: Expr; key: string }
  | { kind: "call"; name: string; args: Expr[] }
  | { kind: "binary"; op: string; left: Expr; right: Expr }
  | { kind: "in"; target: Expr; list: Expr[]; negated: boolean };

interface Named {
  name: string | undefined;
  expr: Expr;
}

type Operator =
  | { kind: "where"; predicate: Expr }
  | { kind: "extend" | "project"; items: Named[] }
  | { kind: "project-away"; columns: string[] }
  | { kind: "summarize"; aggregates: Named[]; by: Named[] }
  | { kind: "top"; count: number; by: Expr; descending: boolean }
  | { kind: "order"; by: { expr: Expr; descending: boolean }[] }
  | { kind: "join"; right: string; on: string }
  | { kind: "take"; count: number };

interface Pipeline {
  source: string;
  operators: Operator[];
}

interface Program {
  lets: { name: string; scalar: boolean; pipeline: Pipeline }[];
  body: Pipeline;
}

class Parser {
  private pos = 0;
  private readonly tokens: Token[];

  constructor(private readonly text: string) {
    this.tokens = tokenize(text);
  }

  program(): Program {
    const lets: Program["lets"] = [];
    while (this.isName("let")) {
      this.pos++;
      const name = this.name();
      this.expectOp("=");
      const scalar = this.isName("toscalar");
      if (scalar) {
        this.pos++;
        this.expectOp("(");
      }
      const pipeline = this.pipeline();
      if (scalar) this.expectOp(")");
      this.expectOp(";");
      lets.push({ name, scalar, pipeline });
    }
    const body = this.pipeline();
    if (this.pos !== this.tokens.length) throw this.error("trailing text");
    return { lets, body };
  }

  private pipeline(): Pipeline {
    const source = this.name();
    const operators: Operator[] = [];
    while (this.isOp("|")) {
      this.pos++;
      const op = this.operator();
      if (op !== undefined) operators.push(op);
    }
    return { source, operators };
  }

  private operator(): Operator | undefined {
    const word = this.name();
    switch (word) {
      case "where":
        return { kind: "where", predicate: this.expr() };
      case "extend":
      case "project":
        return { kind: word, items: this.namedList() };
      case "project-away":
        return { kind: "project-away", columns: this.list(() => this.name()) };
      case "summarize": {
        const aggregates = this.namedList();
        const by = this.isName("by") ? (this.pos++, this.namedList()) : [];
        return { kind: "summarize", aggregates, by };
      }
      case "top": {
        const count = this.number();
        this.expectName("by");
        const by = this.expr();
        return { kind: "top", count, by, descending: this.direction() };
      }
      case "order":
      case "sort":
        this.expectName("by");
        return {
          kind: "order",
          by: this.list(() => ({ expr: this.expr(), descending: this.direction() })),
        };
      case "join": {
        this.expectName("kind");
        this.expectOp("=");
        const kind = this.name();
        if (kind !== "leftouter") throw this.error(`join kind=${kind} is not supported`);
        const right = this.name();
        this.expectName("on");
        return { kind: "join", right, on: this.name() };
      }
      case "take":
        return { kind: "take", count: this.number() };
      case "render":
        // Presentation only: skip to the next operator.
        while (this.pos < this.tokens.length && !this.isOp("|") && !this.isOp(")")) this.pos++;
        return undefined;
      default:
        throw this.error(`operator ${word} is not supported`);
    }
  }

  private direction(): boolean {
    if (this.isName("asc")) return (this.pos++, false);
    if (this.isName("desc")) this.pos++;
    return true;
  }

  private namedList(): Named[] {
    return this.list(() => {
      const t = this.tokens[this.pos];
      const next = this.tokens[this.pos + 1];
      if (t?.kind === "name" && next?.kind === "op" && next.value === "=") {
        this.pos += 2;
        return { name: t.value, expr: this.expr() };
      }
      return { name: undefined, expr: this.expr() };
    });
  }

  private list<T>(item: () => T): T[] {
    const items = [item()];
    while (this.isOp(",")) {
      this.pos++;
      items.push(item());
    }
    return items;
  }

  private expr(): Expr {
    return this.binary(0);
  }

  private static readonly LEVELS = [
    ["or"],
    ["and"],
    ["==", "!=", "<", ">", "<=", ">="],
    ["+", "-"],
    ["*", "/"],
  ];

  private binary(level: number): Expr {
    if (level === Parser.LEVELS.length) return this.postfix();
    let left = this.binary(level + 1);
    for (;;) {
      const t = this.tokens[this.pos];
      if (level === 2 && (this.isName("in") || (this.isOp("!") && this.isNameAt(1, "in")))) {
        const negated = this.isOp("!");
        this.pos += negated ? 2 : 1;
        this.expectOp("(");
        const list = this.list(() => this.expr());
        this.expectOp(")");
        left = { kind: "in", target: left, list, negated };
        continue;
      }
      if (
        t === undefined ||
        (t.kind !== "op" && t.kind !== "name") ||
        !Parser.LEVELS[level]!.includes(t.value)
      )
        return left;
      this.pos++;
      left = { kind: "binary", op: t.value, left, right: this.binary(level + 1) };
    }
  }

  private postfix(): Expr {
    let node = this.primary();
    for (;;) {
      if (this.isOp(".")) {
        this.pos++;
        node = { kind: "member", target: node, key: this.name() };
      } else if (this.isOp("[")) {
        this.pos++;
        const key = this.tokens[this.pos++];
        if (key?.kind !== "string") throw this.error("expected a quoted key");
        this.expectOp("]");
        node = { kind: "member", target: node, key: key.value };
      } else return node;
    }
  }

  private primary(): Expr {
    const t = this.tokens[this.pos++];
    if (t === undefined) throw this.error("unexpected end");
    if (t.kind === "string" || t.kind === "number") return { kind: "literal", value: t.value };
    if (t.kind === "op" && t.value === "(") {
      const inner = this.expr();
      this.expectOp(")");
      return inner;
    }
    if (t.kind === "op" && t.value === "-") {
      return {
        kind: "binary",
        op: "-",
        left: { kind: "literal", value: 0 },
        right: this.postfix(),
      };
    }
    if (t.kind !== "name") throw this.error(`unexpected ${t.value}`);
    if (t.value === "true" || t.value === "false")
      return { kind: "literal", value: t.value === "true" };
    if (!this.isOp("(")) return { kind: "column", name: t.value };
    this.pos++;
    const args: Expr[] = [];
    if (!this.isOp(")")) args.push(...this.list(() => this.expr()));
    this.expectOp(")");
    return { kind: "call", name: t.value, args };
  }

  private number(): number {
    const t = this.tokens[this.pos++];
    if (t?.kind !== "number") throw this.error("expected a number");
    return t.value;
  }

  private name(): string {
    const t = this.tokens[this.pos++];
    if (t?.kind !== "name") throw this.error("expected a name");
    return t.value;
  }

  private isName(word: string): boolean {
    return this.isNameAt(0, word);
  }

  private isNameAt(offset: number, word: string): boolean {
    const t = this.tokens[this.pos + offset];
    return t?.kind === "name" && t.value === word;
  }

  private isOp(op: string): boolean {
    const t = this.tokens[this.pos];
    return t?.kind === "op" && t.value === op;
  }

  private expectOp(op: string): void {
    if (!this.isOp(op)) throw this.error(`expected ${op}`);
    this.pos++;
  }

  private expectName(word: string): void {
    if (!this.isName(word)) throw this.error(`expected ${word}`);
    this.pos++;
  }

  private error(what: string): Error {
    return new Error(`KQL: ${what} at token ${this.pos} of: ${this.text}`);
  }
}

const isEmpty = (v: Value | undefined): boolean => v === null || v === undefined || v === "";

const text = (v: Value | undefined): string =>
  isEmpty(v) ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);

const numberOf = (v: Value | undefined): number | null => {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v !== "string" || v.trim() === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

const compare = (a: Value | undefined, b: Value | undefined): number => {
  if (isEmpty(a) && isEmpty(b)) return 0;
  if (isEmpty(a)) return -1;
  if (isEmpty(b)) return 1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0;
};

/** The column name KQL gives an unnamed expression. */
function nameOf(e: Expr): string {
  if (e.kind === "column") return e.name;
  if (e.kind === "member") return e.key;
  if (e.kind === "call" && e.args.length > 0) {
    if (e.name === "bin") return nameOf(e.args[0]!);
    return `${e.name}_${nameOf(e.args[0]!)}`;
  }
  if (e.kind === "call") return `${e.name}_`;
  throw new Error("KQL: name the expression (Name = ...)");
}

/** Scalars bound by `let x = toscalar(...)`, readable like columns. */
type Env = Readonly<Row>;

function scalar(e: Expr, row: Row, env: Env): Value {
  switch (e.kind) {
    case "literal":
      return e.value;
    case "column": {
      if (e.name in row) return row[e.name]!;
      if (e.name in env) return env[e.name]!;
      throw new Error(`KQL: no column ${e.name}`);
    }
    case "member": {
      const target = scalar(e.target, row, env);
      if (target === null || typeof target !== "object" || Array.isArray(target)) return null;
      return target[e.key] ?? null;
    }
    case "in": {
      const v = text(scalar(e.target, row, env));
      const found = e.list.some((x) => text(scalar(x, row, env)) === v);
      return e.negated ? !found : found;
    }
    case "binary": {
      const l = scalar(e.left, row, env);
      if (e.op === "and") return l === true && scalar(e.right, row, env) === true;
      if (e.op === "or") return l === true || scalar(e.right, row, env) === true;
      const r = scalar(e.right, row, env);
      switch (e.op) {
        case "==":
          return text(l) === text(r);
        case "!=":
          return text(l) !== text(r);
        case "<":
          return compare(l, r) < 0;
        case ">":
          return compare(l, r) > 0;
        case "<=":
          return compare(l, r) <= 0;
        case ">=":
          return compare(l, r) >= 0;
      }
      const a = numberOf(l);
      const b = numberOf(r);
      if (a === null || b === null) return null;
      return e.op === "+" ? a + b : e.op === "-" ? a - b : e.op === "*" ? a * b : a / b;
    }
    case "call":
      return call(e.name, e.args, row, env);
  }
}

function call(name: string, args: Expr[], row: Row, env: Env): Value {
  const v = args.map((a) => scalar(a, row, env));
  switch (name) {
    case "tostring":
      return text(v[0]);
    case "tolong": {
      const n = numberOf(v[0]);
      return n === null ? null : Math.trunc(n);
    }
    case "todouble":
      return numberOf(v[0]);
    case "todatetime": {
      if (typeof v[0] === "number") return v[0];
      const ms = Date.parse(text(v[0]));
      return Number.isNaN(ms) ? null : ms;
    }
    case "strcat":
      return v.map(text).join("");
    case "isnotempty":
      return !isEmpty(v[0]);
    case "isempty":
      return isEmpty(v[0]);
    case "iff":
      return v[0] === true ? v[1]! : v[2]!;
    case "abs": {
      const n = numberOf(v[0]);
      return n === null ? null : Math.abs(n);
    }
    case "round": {
      const n = numberOf(v[0]);
      const digits = numberOf(v[1] ?? 0) ?? 0;
      return n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits;
    }
    case "bin": {
      const n = numberOf(v[0]);
      const size = numberOf(v[1]);
      return n === null || size === null ? null : Math.floor(n / size) * size;
    }
    default:
      throw new Error(`KQL: function ${name}() is not supported`);
  }
}

/** One aggregate over a group's rows: its output columns. */
function aggregate(a: Named, rows: Row[], env: Env): Row {
  const e = a.expr;
  if (e.kind !== "call") throw new Error("KQL: summarize needs aggregation functions");
  const values = (i: number) => rows.map((r) => scalar(e.args[i]!, r, env));
  const present = (i: number) => values(i).filter((v) => !isEmpty(v));
  const named = (value: Value): Row => ({ [a.name ?? nameOf(e)]: value });
  switch (e.name) {
    case "count":
      return named(rows.length);
    case "countif":
      return named(values(0).filter((v) => v === true).length);
    case "dcount":
      return named(new Set(present(0).map(text)).size);
    case "sum":
      return named(present(0).reduce<number>((n, v) => n + (numberOf(v) ?? 0), 0));
    case "min":
    case "max": {
      const sorted = present(0).sort(compare);
      return named((e.name === "min" ? sorted[0] : sorted.at(-1)) ?? null);
    }
    case "take_any":
      return named(present(0)[0] ?? null);
    case "make_set":
    case "make_set_if": {
      const keep = e.name === "make_set" ? rows.map(() => true) : values(1).map((v) => v === true);
      const limitArg = e.args[e.name === "make_set" ? 1 : 2];
      const limit = limitArg === undefined ? null : numberOf(scalar(limitArg, {}, env));
      const set = [
        ...new Set(
          values(0)
            .filter((_, i) => keep[i])
            .map(text),
        ),
      ].filter((x) => x !== "");
      return named(limit === null ? set : set.slice(0, limit));
    }
    case "arg_max": {
      if (a.name !== undefined) throw new Error("KQL: name arg_max's columns, not the call");
      const best = rows.reduce((x, y) =>
        compare(scalar(e.args[0]!, y, env), scalar(e.args[0]!, x, env)) > 0 ? y : x,
      );
      return Object.fromEntries(e.args.map((arg) => [nameOf(arg), scalar(arg, best, env)]));
    }
    default:
      throw new Error(`KQL: aggregation ${e.name}() is not supported`);
  }
}

function apply(op: Operator, rows: Row[], tables: Tables, env: Env): Row[] {
  switch (op.kind) {
    case "where":
      return rows.filter((r) => scalar(op.predicate, r, env) === true);
    case "extend":
      return rows.map((r) => {
        const out = { ...r };
        for (const item of op.items)
          out[item.name ?? nameOf(item.expr)] = scalar(item.expr, out, env);
        return out;
      });
    case "project":
      return rows.map((r) =>
        Object.fromEntries(op.items.map((i) => [i.name ?? nameOf(i.expr), scalar(i.expr, r, env)])),
      );
    case "project-away":
      return rows.map((r) =>
        Object.fromEntries(Object.entries(r).filter(([k]) => !op.columns.includes(k))),
      );
    case "summarize": {
      const groups = new Map<string, { keys: Row; rows: Row[] }>();
      for (const r of rows) {
        const keys = Object.fromEntries(
          op.by.map((k) => [k.name ?? nameOf(k.expr), scalar(k.expr, r, env)]),
        );
        const id = JSON.stringify(keys);
        const group = groups.get(id) ?? { keys, rows: [] };
        group.rows.push(r);
        groups.set(id, group);
      }
      // Without keys, summarize returns one row even for no input.
      if (op.by.length === 0 && groups.size === 0) groups.set("", { keys: {}, rows: [] });
      return [...groups.values()].map((g) =>
        Object.assign({}, g.keys, ...op.aggregates.map((a) => aggregate(a, g.rows, env))),
      );
    }
    case "top":
      return [...rows]
        .sort(
          (a, b) =>
            compare(scalar(op.by, a, env), scalar(op.by, b, env)) * (op.descending ? -1 : 1),
        )
        .slice(0, op.count);
    case "order":
      return [...rows].sort((a, b) => {
        for (const k of op.by) {
          const c =
            compare(scalar(k.expr, a, env), scalar(k.expr, b, env)) * (k.descending ? -1 : 1);
          if (c !== 0) return c;
        }
        return 0;
      });
    case "take":
      return rows.slice(0, op.count);
    case "join": {
      const right = tables[op.right];
      if (right === undefined) throw new Error(`KQL: no table ${op.right}`);
      const columns = [...new Set(right.flatMap((r) => Object.keys(r)))];
      return rows.flatMap((l) => {
        const matches = right.filter((r) => text(r[op.on]) === text(l[op.on]));
        const renamed = (r: Row | undefined): Row =>
          Object.fromEntries(columns.map((c) => [c in l ? `${c}1` : c, r?.[c] ?? null]));
        return matches.length === 0
          ? [{ ...l, ...renamed(undefined) }]
          : matches.map((r) => ({ ...l, ...renamed(r) }));
      });
    }
  }
}

function run(p: Pipeline, tables: Tables, env: Env): Row[] {
  const source = tables[p.source];
  if (source === undefined) throw new Error(`KQL: no table ${p.source}`);
  return p.operators.reduce((rows, op) => apply(op, rows, tables, env), source);
}

/** Runs a query on the given tables (customEvents, ...); the rows of its result. */
export function runKql(query: string, tables: Tables): Row[] {
  const program = new Parser(query).program();
  const scope: Tables = { ...tables };
  const env: Row = {};
  for (const l of program.lets) {
    const rows = run(l.pipeline, scope, env);
    if (!l.scalar) scope[l.name] = rows;
    else env[l.name] = rows[0] === undefined ? null : (Object.values(rows[0])[0] ?? null);
  }
  return run(program.body, scope, env);
}

/**
 * The `customEvents` rows Application Insights would hold for these events: every property as the
 * exporter sends it (text), timestamps in the order they were sent (ms from `startMs`).
 */
export function customEventRows(events: readonly RecordedEvent[], startMs = 0): Row[] {
  return events.map((e, i) => ({
    timestamp: startMs + i,
    name: e.name,
    customDimensions: stringifyProperties(e.properties),
  }));
}
