/**
 * Tiny helpers for writing ARM template expressions. A JSON string that starts with `[` is an
 * expression; everything else is a literal. Keep literals from starting with `[`.
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Wraps an expression body: `expr("parameters('x')")` → `[parameters('x')]`. */
export const expr = (body: string): string => `[${body}]`;

export const param = (name: string): string => `parameters('${name}')`;

export const variable = (name: string): string => `variables('${name}')`;

/** A string literal inside an expression (single quotes doubled). */
export const lit = (text: string): string => `'${text.replace(/'/g, "''")}'`;

export const resourceId = (type: string, nameExpr: string): string =>
  `resourceId('${type}', ${nameExpr})`;

/** `[resourceId(...)]` for a resource whose name is a template variable. */
export const idOf = (type: string, nameVariable: string): string =>
  expr(resourceId(type, variable(nameVariable)));

/** Turns an ARM bool parameter into the "true"/"false" text app settings expect. */
export const boolSetting = (parameterName: string): string =>
  expr(`if(${param(parameterName)}, 'true', 'false')`);

export const intSetting = (parameterName: string): string =>
  expr(`string(${param(parameterName)})`);

/**
 * `base` followed by `suffix`, at most `maxLength` characters (both expressions without brackets,
 * the suffix a literal). A base that fits is used whole, so the names of existing deployments do
 * not change; a longer one keeps its start and six characters of its uniqueString, so two long
 * bases that share a start still get different names.
 */
export const fitted = (base: string, suffix: string, maxLength: number): string => {
  const room = maxLength - suffix.length;
  return `if(lessOrEquals(length(${base}), ${room}), concat(${base}, ${lit(suffix)}), concat(take(${base}, ${room - 7}), '-', take(uniqueString(${base}), 6), ${lit(suffix)}))`;
};
