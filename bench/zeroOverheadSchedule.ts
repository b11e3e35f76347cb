/**
 * The server-bound limit of a catch-up: the windows this project planned, each exported and imported
 * under the project's own concurrency rules (AZURE_MaxExportsInFlight exports planned or running, at
 * most that plus two unprocessed windows, AZURE_PayloadCount imports running, imports started in
 * window order), but with every job started the instant the rules allow and every completion noticed
 * the instant it happens: no polling, no planning, no storage time. The makespan of that schedule is
 * the sum of the export and import job times along its critical path; anything the real run takes
 * beyond it is the orchestration's overhead.
 */

export interface WindowJobs {
  exportMs: number;
  /** One entry per import payload of the window (none when the window exported nothing importable). */
  importMs: number[];
}

export interface ConcurrencyRules {
  maxExportsInFlight: number;
  maxUnprocessedWindows: number;
  payloadCount: number;
}

interface Running {
  kind: "export" | "import";
  window: number;
  doneAt: number;
}

/** Makespan (ms from the start) of the zero-overhead schedule of `windows`. */
export function zeroOverheadMakespan(
  windows: readonly WindowJobs[],
  rules: ConcurrencyRules,
): number {
  let now = 0;
  let nextToPlan = 0;
  let unprocessed = 0;
  let finishedAt = 0;
  const running: Running[] = [];
  const pending: { window: number; ms: number }[] = [];
  const importsLeft = windows.map((w) => w.importMs.length);

  const finishWindow = (): void => {
    unprocessed--;
    finishedAt = now;
  };

  for (;;) {
    // Imports first, in window order, while slots are free.
    pending.sort((a, b) => a.window - b.window);
    while (
      pending.length > 0 &&
      running.filter((r) => r.kind === "import").length < rules.payloadCount
    ) {
      const next = pending.shift()!;
      running.push({ kind: "import", window: next.window, doneAt: now + next.ms });
    }
    while (
      nextToPlan < windows.length &&
      running.filter((r) => r.kind === "export").length < rules.maxExportsInFlight &&
      unprocessed < rules.maxUnprocessedWindows
    ) {
      running.push({
        kind: "export",
        window: nextToPlan,
        doneAt: now + windows[nextToPlan]!.exportMs,
      });
      unprocessed++;
      nextToPlan++;
    }
    if (running.length === 0) break;
    now = Math.min(...running.map((r) => r.doneAt));
    for (const job of running.filter((r) => r.doneAt === now)) {
      running.splice(running.indexOf(job), 1);
      if (job.kind === "export") {
        const imports = windows[job.window]!.importMs;
        if (imports.length === 0) finishWindow();
        for (const ms of imports) pending.push({ window: job.window, ms });
      } else if (--importsLeft[job.window]! === 0) {
        finishWindow();
      }
    }
  }
  if (nextToPlan < windows.length || unprocessed !== 0) {
    throw new Error(
      "zero-overhead schedule ended with windows left; the rules cannot make progress",
    );
  }
  return finishedAt;
}
