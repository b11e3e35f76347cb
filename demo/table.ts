/** Prints rows as an aligned text table (numbers right-aligned). */
export function printTable(
  headers: string[],
  rows: (string | number)[][],
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): void {
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => String(r[i] ?? "").length)),
  );
  const line = (cells: (string | number)[]) =>
    cells
      .map((c, i) =>
        typeof c === "number" ? String(c).padStart(widths[i]!) : String(c).padEnd(widths[i]!),
      )
      .join("  ");
  write(line(headers));
  write(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) write(line(r));
}
