/**
 * How long a local tool process lives: until Ctrl+C, SIGTERM, or its parent going away. `npm run`
 * starts a script through `sh -c`; `kill <npm's pid>` reaches npm and the shell, and the shell dies
 * without passing the signal on, so this process would live on, orphaned, with the Azurite it
 * started. A parent that changes (the orphan is handed to init or a subreaper) counts as a stop.
 */

/** How often the parent is looked at. */
const PARENT_POLL_MS = 500;

/**
 * Calls `stop` once on the first of SIGINT, SIGTERM or the parent's exit, then exits with 0 (or 1
 * when stopping failed). The parent watch does not keep the process alive.
 */
export function stopWithParent(
  stop: () => Promise<void>,
  onStopping?: (why: string) => void,
): void {
  const parent = process.ppid;
  let stopping = false;
  const stopOnce = (why: string): void => {
    if (stopping) return;
    stopping = true;
    clearInterval(watch);
    onStopping?.(why);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Stopping failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  const watch = setInterval(() => {
    if (process.ppid !== parent) stopOnce("the process that started this one ended");
  }, PARENT_POLL_MS);
  watch.unref();
  process.once("SIGINT", () => stopOnce("SIGINT"));
  process.once("SIGTERM", () => stopOnce("SIGTERM"));
}
