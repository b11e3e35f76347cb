import { InvalidArgumentError } from "commander";

/**
 * A command-line option's comma-separated list of names, each one of `allowed`; anything else is
 * refused with the name and the list accepted (`what` says what the names are).
 */
export function nameList<T extends string>(what: string, allowed: readonly T[]) {
  return (value: string): T[] => {
    const names = value.split(",").map((s) => s.trim());
    for (const name of names) {
      if (!(allowed as readonly string[]).includes(name))
        throw new InvalidArgumentError(
          `unknown ${what} ${JSON.stringify(name)}; expected a comma-separated list of ${allowed.join(", ")}`,
        );
    }
    return names as T[];
  };
}
