import { z } from "zod";
import type { SettingKind, SettingSpec } from "./catalog";
import { SETTINGS } from "./catalog";
import { parseInstantText } from "../core/instant";

/** Hosts that may be plain http and unauthenticated: local runs against Azurite and the emulators. */
export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Plain decimal notation only: Number() would also accept "0x10", "1e3" and "Infinity". */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** Six-field NCRONTAB (seconds first), as Azure Functions timers expect. */
const CRON_FIELD = /^[0-9*/,\-A-Za-z?]+$/;

export function expectedText(spec: SettingSpec): string {
  const k = spec.kind;
  switch (k.type) {
    case "boolean":
      return "true or false";
    case "integer":
      return `a whole number from ${k.min} to ${k.max}`;
    case "number":
      return `a number from ${k.min} to ${k.max}`;
    case "url":
      return "an absolute https URL without query string or credentials (http only for localhost/127.0.0.1)";
    case "enum":
      return k.values.length === 1
        ? k.values[0]!
        : `one of ${k.values.join(", ")} (any letter case)`;
    case "date":
      return "an ISO 8601 date or UTC instant, e.g. 2024-01-31 or 2024-01-31T00:00:00Z";
    case "list":
      return "a comma-separated list of FHIR resource type names";
    case "cron":
      return "a six-field NCRONTAB expression, e.g. 0 */5 * * * *";
    case "string":
      return k.patternText ?? "text";
  }
}

function fail(ctx: z.RefinementCtx, spec: SettingSpec): typeof z.NEVER {
  ctx.addIssue({ code: "custom", message: expectedText(spec) });
  return z.NEVER;
}

/** Kinds whose valid values never contain a double quote. */
const UNQUOTED_KINDS: ReadonlySet<SettingKind["type"]> = new Set([
  "boolean",
  "integer",
  "number",
  "enum",
  "date",
]);

/**
 * The original tool's documentation shows some values in quotes (`Value: "Days"`), and users type
 * them as shown. For kinds whose values never contain a quote, one surrounding pair is dropped, so
 * the instruction works as written; text settings keep their quotes (they may be part of the value).
 */
export function unquote(spec: SettingSpec, value: string): string {
  return UNQUOTED_KINDS.has(spec.kind.type) && /^"[^"]*"$/.test(value)
    ? value.slice(1, -1).trim()
    : value;
}

/** zod type for one setting: optional string in, typed value (or undefined when empty) out. */
function settingType(spec: SettingSpec): z.ZodType {
  const k = spec.kind;
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const value = unquote(spec, (raw ?? spec.default ?? "").trim());
      if (value === "") {
        if (spec.required) {
          ctx.addIssue({ code: "custom", message: `${expectedText(spec)} (required)` });
          return z.NEVER;
        }
        return k.type === "list" ? [] : undefined;
      }
      switch (k.type) {
        case "boolean": {
          const lower = value.toLowerCase();
          if (lower === "true" || lower === "false") return lower === "true";
          return fail(ctx, spec);
        }
        case "integer": {
          if (!/^[+-]?\d+$/.test(value)) return fail(ctx, spec);
          const n = Number(value);
          return n >= k.min && n <= k.max ? n : fail(ctx, spec);
        }
        case "number": {
          if (!DECIMAL.test(value)) return fail(ctx, spec);
          const n = Number(value);
          return n >= k.min && n <= k.max ? n : fail(ctx, spec);
        }
        case "url": {
          let url: URL;
          try {
            url = new URL(value);
          } catch {
            return fail(ctx, spec);
          }
          // A query string or user info would be a credential (a SAS token) in the wrong place:
          // endpoints are reached with the app's identity, and the value would end up in logs.
          if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
            return fail(ctx, spec);
          }
          if (url.protocol === "https:" || (url.protocol === "http:" && isLoopbackUrl(url))) {
            return value.replace(/\/+$/, "");
          }
          return fail(ctx, spec);
        }
        case "enum": {
          const match = k.values.find((v) => v.toLowerCase() === value.toLowerCase());
          return match ?? fail(ctx, spec);
        }
        case "date": {
          // Every field checked: Date.parse would roll 2024-02-30 or T24:00 over (src/core/instant.ts).
          const ms = parseInstantText(value, { dateOnly: true, fractionDigits: 7 });
          return ms === undefined ? fail(ctx, spec) : new Date(ms).toISOString();
        }
        case "list": {
          const items = value
            .split(",")
            .map((s) => s.trim())
            .filter((s) => s !== "");
          return items.every((s) => /^[A-Z][A-Za-z]{1,63}$/.test(s)) ? items : fail(ctx, spec);
        }
        case "cron": {
          const fields = value.split(/\s+/);
          return fields.length === 6 && fields.every((f) => CRON_FIELD.test(f))
            ? value
            : fail(ctx, spec);
        }
        case "string":
          return k.pattern === undefined || k.pattern.test(value) ? value : fail(ctx, spec);
      }
    });
}

/** The one schema of every app setting, keyed by its canonical name. */
export const settingsSchema = z.object(
  Object.fromEntries(SETTINGS.map((spec) => [spec.name, settingType(spec)])),
);

export type RawSettingValues = Record<string, unknown>;
