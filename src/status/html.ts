/**
 * A tiny HTML builder that escapes by default: every value interpolated into `html\`...\`` is
 * escaped unless it is already SafeHtml. Status URLs and failure reasons come from servers, so
 * forgetting to escape must not be possible by accident.
 */

import { stripControlCharacters } from "../core/terminalText";

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for element content and for quoted attribute values; control characters and
 * terminal escape sequences are dropped (a page is copied into terminals and tickets too).
 */
export function escapeHtml(text: string): string {
  return stripControlCharacters(text).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Marks markup built by this module's own code (never text from outside) as safe. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? "");
  });
  return new SafeHtml(out);
}
