import type { EngineDeps } from "./deps";

/** Activity name → implementation: the migration's table or the verification's. */
export type ActivityTable = Readonly<
  Record<string, (deps: EngineDeps, input: never) => Promise<unknown>>
>;

/**
 * One activity bound to its dependencies: what a runtime calls with the activity's input and its
 * own context of the call (the Functions app's invocation context; none locally).
 */
export type BoundActivity<C = void> = (input: unknown, context: C) => Promise<unknown>;

/** Wraps every call of a bound activity of `N` (tests count calls or inject crashes). */
export type ActivityWrapper<N extends string = string> = (
  name: N,
  call: () => Promise<unknown>,
) => Promise<unknown>;

/**
 * The one binder of activities, for the Functions app (src/functions/engineDeps.ts) and the local
 * runtime alike: every activity of `table` called with the dependencies `deps` answers (built once
 * per process in the Functions app), and its note (ActivityResult.note: why a pass did nothing, or
 * what it is waiting for) written to the log when it differs from that activity's last one, so an
 * idle pass does not repeat it.
 */
export function bindActivities<T extends ActivityTable, C = void>(
  table: T,
  deps: (context: C) => EngineDeps | Promise<EngineDeps>,
  wrap?: ActivityWrapper<keyof T & string>,
): Record<string, BoundActivity<C>> {
  const lastNotes = new Map<string, string>();
  return Object.fromEntries(
    (Object.keys(table) as (keyof T & string)[]).map((name) => {
      const implementation = table[name]!;
      const run = implementation as (d: EngineDeps, input: unknown) => Promise<unknown>;
      const call = async (input: unknown, context: C) => {
        const bound = await deps(context);
        const result = await run(bound, input);
        const note = noteOf(result);
        if (note !== undefined && lastNotes.get(name) !== note) {
          lastNotes.set(name, note);
          bound.log(`${name}: ${note}`);
        }
        return result;
      };
      const bound: BoundActivity<C> =
        wrap === undefined ? call : (input, context) => wrap(name, () => call(input, context));
      return [name, bound];
    }),
  );
}

function noteOf(result: unknown): string | undefined {
  if (typeof result !== "object" || result === null || !("note" in result)) return undefined;
  return typeof result.note === "string" ? result.note : undefined;
}
