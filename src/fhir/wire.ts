/**
 * Shape checks of the JSON bodies the client relies on (docs/server-behaviour.md §2.2, §4.2, §5.1). A body
 * that passes is returned typed; one that does not gives a message listing what is missing, which
 * the client wraps in a FhirOperationError ("expected ...").
 */
import { z } from "zod";
import type { Bundle, ExportManifest, FhirResource, ImportResult } from "./types";

const exportFile = z.looseObject({
  type: z.string().min(1),
  url: z.string().min(1),
  count: z.number().int().nonnegative().optional(),
});

const exportManifest = z.looseObject({
  transactionTime: z.string().min(1),
  request: z.string().default(""),
  requiresAccessToken: z.boolean().default(false),
  output: z.array(exportFile),
  // The Microsoft server always sends `error: []` (docs/server-behaviour.md §2.2); other IG servers may omit it.
  error: z.array(exportFile).default([]),
  issues: z.array(z.unknown()).optional(),
});

const importEntry = z.looseObject({
  // `type` is null when the input had no type (docs/server-behaviour.md §4.2).
  type: z.string().nullable(),
  count: z.number().int().nonnegative(),
  inputUrl: z.string().min(1),
  url: z.string().min(1).optional(),
});

const importResult = z.looseObject({
  transactionTime: z.string().min(1),
  request: z.string().default(""),
  output: z.array(importEntry),
  error: z.array(importEntry.extend({ url: z.string().min(1) })).default([]),
});

const bundle = z.looseObject({
  resourceType: z.literal("Bundle"),
  type: z.string(),
  total: z.number().optional(),
  link: z.array(z.looseObject({ relation: z.string(), url: z.string() })).optional(),
  entry: z.array(z.looseObject({})).optional(),
});

const resource = z.looseObject({
  resourceType: z.string().min(1),
  id: z.string().optional(),
});

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: string };

function check<T>(schema: z.ZodType, body: unknown): Checked<T> {
  const result = schema.safeParse(body);
  if (result.success) return { ok: true, value: result.data as T };
  const problems = result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(body)"}: ${i.message}`)
    .join("; ");
  return { ok: false, problems };
}

export const checkExportManifest = (body: unknown): Checked<ExportManifest> =>
  check(exportManifest, body);
export const checkImportResult = (body: unknown): Checked<ImportResult> =>
  check(importResult, body);
export const checkBundle = (body: unknown): Checked<Bundle> => check(bundle, body);
export const checkResource = (body: unknown): Checked<FhirResource> => check(resource, body);
