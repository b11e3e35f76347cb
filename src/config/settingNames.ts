/**
 * Setting names and value types derived from the catalog (./catalog.ts), so parseSettings and the
 * value checks read settings by a name the compiler knows, with the type its kind parses to.
 */
import type { CATALOG, SettingKind } from "./catalog";

type CatalogEntry = (typeof CATALOG)[number];

/** Every canonical setting name. */
export type SettingName = CatalogEntry["name"];

type EntryNamed<N extends SettingName> = Extract<CatalogEntry, { name: N }>;

/** What a kind parses to (./schema.ts). */
type KindValue<K extends SettingKind> = K extends { type: "boolean" }
  ? boolean
  : K extends { type: "integer" } | { type: "number" }
    ? number
    : K extends { type: "list" }
      ? readonly string[]
      : string;

/** An empty value parses to undefined unless the setting is a list, required, or has a non-empty default. */
type CanBeEmpty<E> = E extends { kind: { type: "list" } }
  ? false
  : E extends { required: true }
    ? false
    : E extends { default: "" }
      ? true
      : E extends { default: string }
        ? false
        : true;

/** The parsed value of one setting. */
export type SettingValue<N extends SettingName> =
  KindValue<EntryNamed<N>["kind"]> | (CanBeEmpty<EntryNamed<N>> extends true ? undefined : never);

/** Every setting's parsed value, keyed by canonical name: what ./schema.ts produces. */
export type CatalogValues = { readonly [N in SettingName]: SettingValue<N> };

/** The names of the settings whose kind parses to T (string, number, boolean or a list). */
export type SettingNameOf<T> = {
  [N in SettingName]: KindValue<EntryNamed<N>["kind"]> extends T ? N : never;
}[SettingName];
