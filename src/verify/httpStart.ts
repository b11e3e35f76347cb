/**
 * E2ETest_Http: starts a verification run (E2ETestOrchestration) and answers with the durable
 * check-status response (202 with statusQueryGetUri). Optional query parameters choose the run's
 * options (src/verify/options.ts); a bad or unknown one gets a 400 naming the parameter, the value
 * and what is accepted. The function key (`code`) is the only other parameter accepted.
 */
import type {
  HttpRequest,
  HttpResponse,
  HttpResponseInit,
  InvocationContext,
} from "@azure/functions";
import type { DurableClient } from "durable-functions";
import type { OptionIssue, OptionName } from "./options";
import { OPTION_NAMES, parseVerificationOptions } from "./options";
import { E2E_TEST_ORCHESTRATION } from "./orchestrator";
import { newRunId, newSeed } from "./runIds";
import type { VerificationInput } from "./types";

/** Query parameters the Functions host itself uses. */
const HOST_PARAMETERS = new Set(["code"]);

export interface HttpStartDeps {
  now: () => number;
  runId?: (nowMs: number) => string;
  seed?: () => string;
}

function badRequest(issues: OptionIssue[]): HttpResponseInit {
  return {
    status: 400,
    jsonBody: {
      error: "Invalid verification parameters",
      issues,
      accepted: {
        deepCheckCount: "0..1000000",
        resourceTypes: "comma-separated FHIR R4 resource types",
        checks: "comma-separated subset of surface,deep,reconcile,full",
        seed: "1-64 letters, digits, - or _",
        applyHardDeletes: "true or false",
        concurrency: "1..64",
        full: "true or false (every version of every resource)",
        resume: "the run id of an earlier full check",
        unitVersions: "1000..10000000",
      },
    },
  };
}

/** Query values by option name (names matched ignoring letter case), plus issues for unknown names. */
export function readQuery(query: URLSearchParams): {
  raw: Partial<Record<OptionName, string>>;
  issues: OptionIssue[];
} {
  const raw: Partial<Record<OptionName, string>> = {};
  const issues: OptionIssue[] = [];
  for (const [key, value] of query) {
    const name = OPTION_NAMES.find((o) => o.toLowerCase() === key.toLowerCase());
    if (name !== undefined) {
      if (raw[name] !== undefined && raw[name] !== value) {
        issues.push({
          parameter: name,
          received: JSON.stringify([raw[name], value].join(" and ")),
          expected: "the parameter once",
        });
      }
      raw[name] = value;
    } else if (!HOST_PARAMETERS.has(key.toLowerCase())) {
      issues.push({
        parameter: key,
        received: JSON.stringify(value),
        expected: `no such parameter; accepted: ${OPTION_NAMES.join(", ")}`,
      });
    }
  }
  return { raw, issues };
}

export function createE2ETestHttpHandler(
  deps: HttpStartDeps = { now: () => Date.now() },
): (
  request: HttpRequest,
  client: DurableClient,
  context: InvocationContext,
) => Promise<HttpResponseInit | HttpResponse> {
  return async (request, client, context) => {
    const { raw, issues } = readQuery(request.query);
    const parsed = parseVerificationOptions(raw);
    const all = [...issues, ...(parsed.ok ? [] : parsed.issues)];
    if (all.length > 0 || !parsed.ok) return badRequest(all);
    const runId = parsed.options.resume ?? (deps.runId ?? newRunId)(deps.now());
    const input: VerificationInput = {
      ...parsed.options,
      runId,
      seed: parsed.options.seed ?? (deps.seed ?? newSeed)(),
    };
    const instanceId = await client.startNew(E2E_TEST_ORCHESTRATION, { instanceId: runId, input });
    context.log(`started verification ${instanceId} (seed ${input.seed})`);
    return client.createCheckStatusResponse(request, instanceId);
  };
}

export const e2eTestHttpStart = createE2ETestHttpHandler();
