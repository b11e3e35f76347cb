/**
 * `npm run demo -- --cutover`: once the demo's writes stop, the cutover operation (docs/operations.md,
 * section 7) copies the last changes up to the freeze, proves the copy and prints GO with the
 * measured cutover window. With `--tamper N` the destination is damaged after the freeze, before the
 * proof: the verdict must be NO-GO naming exactly the resources damaged.
 */
import { formatCutover } from "../src/core/cutover";
import type { EngineDeps } from "../src/engine/deps";
import { runCutoverLocally } from "../src/local/localCutover";
import type { FhirEmulator } from "../emulator";
import type { Tampering } from "./tamper";
import { tamper } from "./tamper";

export async function demoCutover(
  deps: EngineDeps,
  servers: { source: FhirEmulator; destination: FhirEmulator },
  options: { tamper?: number; seed: number },
  log: (message: string) => void,
): Promise<number> {
  // The source stamps from its clock: a freeze a few ms after the last write is after every stamp.
  await new Promise((r) => setTimeout(r, 5));
  const freeze = new Date().toISOString();
  log(`cutover: writes stopped, freeze ${freeze}; copying the last changes and proving the copy`);
  let tampering: Tampering | undefined;
  const result = await runCutoverLocally(deps, freeze, {
    wrapActivity: async (name, call) => {
      if (name === "ProveCutover" && options.tamper !== undefined && tampering === undefined) {
        tampering = tamper(servers.source, servers.destination, options.tamper, options.seed);
        log(
          `tampered after the freeze: changed ${tampering.changed.length} destination resource(s), removed one there, hard-deleted one on the source`,
        );
      }
      return call();
    },
  });
  const cutover = result.cutover;
  if (cutover === undefined) throw new Error("the cutover left no record");
  process.stdout.write(formatCutover(cutover));
  if (tampering === undefined) {
    log(cutover.phase === "GO" ? "GO" : `FAIL: the cutover ended ${cutover.phase}`);
    return cutover.phase === "GO" ? 0 : 1;
  }
  // The damage that is loss (changed and removed resources) must be named; the source's hard
  // delete leaves versions only on the destination, which are not loss.
  const text = (cutover.verdict?.problems ?? []).join("\n");
  const damaged = [
    ...tampering.changed.map((c) => `${c.type}/${c.id}`),
    `${tampering.missingOnDestination.type}/${tampering.missingOnDestination.id}`,
  ];
  const unnamed = damaged.filter((d) => !text.includes(`${d} `));
  const exact =
    cutover.phase === "NO-GO" &&
    unnamed.length === 0 &&
    cutover.verdict?.evidence.different === tampering.changed.length &&
    cutover.verdict.evidence.missing === tampering.missingOnDestination.versions &&
    cutover.verdict.evidence.postFreezeWrites === 0;
  log(
    exact
      ? `NO-GO names exactly the damage done (${damaged.join(", ")})`
      : `FAIL: the verdict did not name exactly the damage done${unnamed.length > 0 ? ` (not named: ${unnamed.join(", ")})` : ""}`,
  );
  return 1;
}
