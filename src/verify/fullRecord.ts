import { nextFullProof } from "../core/fullProof";
import type { EngineDeps } from "../engine/deps";
import type { FullRecordInput } from "./fullTypes";

/** VerifyFullRecord: a passing full check extends (or, over the whole range, starts) the last full proof. */
export async function recordFullProof(
  deps: EngineDeps,
  input: FullRecordInput,
): Promise<{ provenUntil: string | null }> {
  const { after: record } = await deps.state.fullProof.change((last) =>
    nextFullProof(last, { ...input, passedAtMs: deps.clock.now() }),
  );
  return { provenUntil: record?.provenUntil ?? null };
}
