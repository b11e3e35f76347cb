import { readFile } from "node:fs/promises";
import { unmentionedInputs } from "../core/importAccounting";
import { mapWithConcurrency } from "../engine/concurrency";
import type { FhirClient, ImportParameters, ImportResult } from "../fhir/types";
import { OperationFailedError } from "./errors";

export interface PostedPayload {
  file: string;
  statusUrl: string;
  imported: number;
  failed: number;
  errorFiles: string[];
}

/** The import service runs at most five jobs at once (docs/server-behaviour.md §3.5). */
const MAX_PARALLEL_IMPORTS = 5;

/**
 * Posts each written `$import` body to the destination (at most five at once) and polls every job
 * until it completes. A partial success lists its error files; a failed job fails the command after
 * the others finish, naming the file and the server's reason.
 */
export async function postPayloads(
  files: readonly string[],
  destination: FhirClient,
  options: { pollMs: number; sleep?: (ms: number) => Promise<void>; log: (line: string) => void },
): Promise<PostedPayload[]> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const failures: string[] = [];
  const results = await mapWithConcurrency(files, MAX_PARALLEL_IMPORTS, async (file) => {
    try {
      const body = JSON.parse(await readFile(file, "utf8")) as ImportParameters;
      const { statusUrl } = await destination.importKickOff(body);
      options.log(`posted ${file}: ${statusUrl}`);
      let result: ImportResult | undefined;
      while (result === undefined) {
        const status = await destination.importStatus(statusUrl);
        if (status.state === "completed") result = status.result;
        else await sleep(options.pollMs);
      }
      const inputs = body.parameter
        .filter((p) => p.name === "input")
        .flatMap((p) => p.part?.filter((x) => x.name === "url").map((x) => x.valueUri ?? "") ?? []);
      const unaccounted = unmentionedInputs(inputs, result);
      if (unaccounted.length > 0) {
        throw new Error(
          `the import reported success but its result does not mention ${unaccounted.length} of the ${inputs.length} input file(s) it was sent (${unaccounted.slice(0, 3).join(", ")}): their resources are neither imported nor failed`,
        );
      }
      const posted: PostedPayload = {
        file,
        statusUrl,
        imported: result.output.reduce((n, o) => n + o.count, 0),
        failed: result.error.reduce((n, e) => n + e.count, 0),
        errorFiles: result.error.flatMap((e) => (e.url === undefined ? [] : [e.url])),
      };
      options.log(`done ${file}: ${posted.imported} imported, ${posted.failed} failed`);
      return posted;
    } catch (error) {
      failures.push(`${file}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  });
  if (failures.length > 0)
    throw new OperationFailedError(
      `${failures.length} import(s) failed:\n  ${failures.join("\n  ")}`,
    );
  return results.filter((r): r is PostedPayload => r !== undefined);
}
