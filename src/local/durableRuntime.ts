import type { OrchestrationHandler } from "durable-functions";
import { DummyOrchestrationContext } from "durable-functions";
import { OrchestrationFailedError, isOrchestrationFailedError } from "./orchestrationFailure";
// durable-functions 3.5.0 (pinned exactly) keeps its executor helpers in an internal module with no
// types and no "exports" map; this is the engine the Functions host drives, so orchestrators behave
// here as they do in Azure: same replay, same Task.all and timer semantics, same JSON round-trips.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const testingUtils = require("durable-functions/lib/src/util/testingUtils.js") as {
  createOrchestrator(
    fn: OrchestrationHandler,
  ): (input: unknown, context: unknown) => Promise<OrchestratorState>;
  DurableOrchestrationInput: new (
    instanceId: string,
    history: unknown[],
    input: unknown,
  ) => unknown;
};

interface OrchestratorState {
  isDone: boolean;
  actions: unknown[];
  output: unknown;
  customStatus: unknown;
}

interface Action {
  actionType: number;
  functionName?: string;
  input?: unknown;
  fireAt?: string | Date;
  externalEventName?: string;
  /** CallSubOrchestrator: the instance id the orchestrator chose (undefined: the runtime picks one). */
  instanceId?: string;
}

/** History event and action type numbers of the durable-functions V1 replay schema. */
const EVENT = {
  ExecutionStarted: 0,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventRaised: 15,
} as const;
const ACTION = {
  CallActivity: 0,
  CallSubOrchestrator: 2,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
} as const;

export interface Clock {
  now(): number;
  /**
   * Resolves when the clock reaches `instantMs`. An aborted `signal` ends the sleep without
   * resolving (a timer that lost a `Task.any` to an external event).
   */
  sleepUntil(instantMs: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleepUntil: (instantMs, signal) =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, instantMs - Date.now()));
      signal?.addEventListener("abort", () => clearTimeout(timer), { once: true });
    }),
};

/**
 * External events of the orchestrations running in this process, by instance id: what
 * `client.raiseEvent` is to the Functions host. An event raised while nothing waits for it is kept
 * for the next wait on its name, as the host keeps it in the orchestration's history.
 */
class LocalEvents {
  private readonly buffered = new Map<string, unknown[]>();
  private readonly waiters = new Map<string, (input: unknown) => void>();

  raise(name: string, input: unknown): void {
    const waiter = this.waiters.get(name);
    if (waiter !== undefined) {
      this.waiters.delete(name);
      waiter(input);
      return;
    }
    this.buffered.set(name, [...(this.buffered.get(name) ?? []), input]);
  }

  next(name: string, signal: AbortSignal): Promise<unknown> {
    const queue = this.buffered.get(name);
    if (queue !== undefined && queue.length > 0) {
      const input = queue.shift();
      if (queue.length === 0) this.buffered.delete(name);
      return Promise.resolve(input);
    }
    return new Promise((resolve) => {
      this.waiters.set(name, resolve);
      signal.addEventListener(
        "abort",
        () => {
          if (this.waiters.get(name) === resolve) this.waiters.delete(name);
        },
        { once: true },
      );
    });
  }
}

const runningInstances = new Map<string, Set<LocalEvents>>();

/**
 * Raises `name` on the orchestration instance `instanceId` running in this process (as
 * `client.raiseEvent` does in Azure). Returns false when no run of that instance is in progress here.
 */
export function raiseLocalEvent(instanceId: string, name: string, input: unknown = null): boolean {
  const runs = runningInstances.get(instanceId);
  if (runs === undefined || runs.size === 0) return false;
  for (const run of runs) run.raise(name, input);
  return true;
}

export type ActivityImplementation = (input: unknown) => Promise<unknown>;

/** How one execution of an orchestration instance ended, with what the host would have stored for it. */
export interface ExecutionRecord {
  name: string;
  instanceId: string;
  /** 1 for the first execution of the instance, then one more after each continue-as-new. */
  execution: number;
  /**
   * Events in the execution's history as the host stores it: what its last episode replayed, plus
   * that episode's OrchestratorCompleted and the ExecutionCompleted the host appends.
   */
  historyEvents: number;
  /** Bytes of the execution's input (for an execution after a continue-as-new: what crossed it). */
  inputBytes: number;
  ended: "completed" | "continued-as-new" | "failed";
}

export interface LocalRuntimeOptions {
  activities: Readonly<Record<string, ActivityImplementation>>;
  /**
   * Orchestrations a `callSubOrchestrator` may start, by name: what `df.app.orchestration`
   * registers in the Functions app.
   */
  orchestrations?: Readonly<Record<string, OrchestrationHandler>>;
  /** Called when an execution of any instance (sub-orchestrations included) ends. */
  onExecution?: (record: ExecutionRecord) => void;
  clock?: Clock;
  /** Every custom status an orchestrator sets, with the instance and orchestration that set it. */
  onCustomStatus?: (status: unknown, instanceId: string, name: string) => void;
  /**
   * Called before each episode (numbered across the instance and its sub-orchestrations); a test
   * can throw here to simulate a crash between steps.
   */
  beforeEpisode?: (episode: number) => void;
  /** Checked before each episode: true ends the run as a host shutdown would (state stays in tables). */
  shouldStop?: () => boolean;
  /** An activity error for which this returns true aborts the whole run, like a killed process. */
  isCrash?: (error: unknown) => boolean;
}

export interface RunResult {
  /** Undefined when the run was stopped by `shouldStop`. */
  output: unknown;
  stopped: boolean;
  executions: number;
  episodes: number;
}

function decodeInput(input: unknown): unknown {
  if (typeof input !== "string") return input;
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}

/**
 * Runs one orchestration instance to completion in this process, the way the Functions host does:
 * after every episode it appends the completed activities, sub-orchestrations and fired timers to the
 * history and replays the orchestrator from the start. Activities and sub-orchestrations scheduled in
 * one episode run concurrently. continueAsNew starts a fresh history with the new input; a
 * sub-orchestration that continues as new completes its caller only when its last execution ends.
 */
export async function runOrchestration(
  orchestrator: OrchestrationHandler,
  name: string,
  instanceId: string,
  input: unknown,
  options: LocalRuntimeOptions,
): Promise<RunResult> {
  return runInstance(orchestrator, name, instanceId, input, options, { episodes: 0 });
}

/** Episodes run so far by an instance and its sub-orchestrations. */
interface EpisodeCount {
  episodes: number;
}

async function runInstance(
  orchestrator: OrchestrationHandler,
  name: string,
  instanceId: string,
  input: unknown,
  options: LocalRuntimeOptions,
  count: EpisodeCount,
): Promise<RunResult> {
  const events = new LocalEvents();
  const runs = runningInstances.get(instanceId) ?? new Set<LocalEvents>();
  runningInstances.set(instanceId, runs);
  runs.add(events);
  try {
    return await runExecutions(orchestrator, name, instanceId, input, options, events, count);
  } finally {
    runs.delete(events);
    if (runs.size === 0) runningInstances.delete(instanceId);
  }
}

/** What the host does with an input: it crosses the boundary as JSON. */
function asJson(value: unknown): unknown {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}

const STOPPED = Symbol("stopped");

async function runExecutions(
  orchestrator: OrchestrationHandler,
  name: string,
  instanceId: string,
  input: unknown,
  options: LocalRuntimeOptions,
  events: LocalEvents,
  count: EpisodeCount,
): Promise<RunResult> {
  const clock = options.clock ?? realClock;
  const handler = testingUtils.createOrchestrator(orchestrator);
  let executionInput = input;
  for (let execution = 1; ; execution++) {
    const event = (type: number, extra: object = {}) => ({
      EventType: type,
      EventId: -1,
      IsPlayed: false,
      Timestamp: new Date(clock.now()),
      IsProcessed: false,
      ...extra,
    });
    const history: object[] = [
      event(EVENT.OrchestratorStarted),
      event(EVENT.ExecutionStarted, { Name: name, Input: JSON.stringify(executionInput) }),
    ];
    const ended = (how: ExecutionRecord["ended"]) =>
      options.onExecution?.({
        name,
        instanceId,
        execution,
        historyEvents: history.length + 2,
        inputBytes: Buffer.byteLength(JSON.stringify(executionInput ?? null)),
        ended: how,
      });
    // Actions seen so far, and the next sequence number (external event waits take none).
    let seen = 0;
    let scheduled = 0;
    for (;;) {
      if (options.shouldStop?.() === true)
        return {
          output: undefined,
          stopped: true,
          executions: execution,
          episodes: count.episodes,
        };
      count.episodes++;
      options.beforeEpisode?.(count.episodes);
      const context = new DummyOrchestrationContext(
        name,
        `${instanceId}:${count.episodes}`,
        () => {},
      );
      let state: OrchestratorState;
      try {
        // Each episode gets its input afresh from JSON, as the host's binding does: what an
        // orchestrator changes in it never leaks into the next replay.
        const episodeInput = executionInput === undefined ? undefined : asJson(executionInput);
        state = await handler(
          new testingUtils.DurableOrchestrationInput(instanceId, history, episodeInput),
          context,
        );
      } catch (error) {
        ended("failed");
        throw new OrchestrationFailedError(name, error);
      }
      if (state.customStatus !== undefined)
        options.onCustomStatus?.(state.customStatus, instanceId, name);
      const actions = (state.actions as Action[][]).flat();
      const continueAsNew = actions.find((a) => a.actionType === ACTION.ContinueAsNew);
      if (continueAsNew !== undefined) {
        ended("continued-as-new");
        executionInput = decodeInput(continueAsNew.input);
        break;
      }
      if (state.isDone) {
        ended("completed");
        return {
          output: state.output,
          stopped: false,
          executions: execution,
          episodes: count.episodes,
        };
      }
      const fresh = actions.slice(seen);
      seen = actions.length;
      if (fresh.length === 0)
        throw new Error(
          `Orchestration ${name} is waiting for something the local runtime cannot deliver`,
        );
      history.push(event(EVENT.OrchestratorCompleted));
      if (fresh.some((a) => a.actionType === ACTION.WaitForExternalEvent)) {
        // Task.any of timers and external events: the first to complete wakes the orchestrator; the
        // others are dropped (the orchestrator cancels its timer).
        if (
          fresh.some(
            (a) =>
              a.actionType !== ACTION.CreateTimer && a.actionType !== ACTION.WaitForExternalEvent,
          )
        ) {
          throw new Error(
            `Orchestration ${name}: the local runtime waits for an external event together with timers only`,
          );
        }
        const abort = new AbortController();
        const first = await Promise.race(
          fresh.map(async (action) => {
            if (action.actionType === ACTION.WaitForExternalEvent) {
              const eventName = action.externalEventName ?? "";
              const raised = await events.next(eventName, abort.signal);
              return {
                EventType: EVENT.EventRaised,
                Name: eventName,
                Input: JSON.stringify(raised ?? null),
              };
            }
            const id = scheduled++;
            const fireAt = new Date(action.fireAt ?? clock.now());
            history.push({
              ...event(EVENT.TimerCreated, { FireAt: fireAt.toISOString() }),
              EventId: id,
            });
            await clock.sleepUntil(fireAt.getTime(), abort.signal);
            return { EventType: EVENT.TimerFired, TimerId: id, FireAt: fireAt.toISOString() };
          }),
        );
        abort.abort();
        history.push(event(EVENT.OrchestratorStarted));
        history.push({ ...event(first.EventType), ...first });
        continue;
      }
      const completions = await Promise.all(
        fresh.map(async (action): Promise<object | typeof STOPPED> => {
          const id = scheduled++;
          if (action.actionType === ACTION.CallActivity) {
            const activityName = action.functionName ?? "";
            history.push({
              ...event(EVENT.TaskScheduled, { Name: activityName, Input: action.input }),
              EventId: id,
            });
            const implementation = options.activities[activityName];
            try {
              if (implementation === undefined)
                throw new Error(`No activity named ${activityName} is registered`);
              const result = await implementation(decodeInput(action.input));
              return {
                EventType: EVENT.TaskCompleted,
                TaskScheduledId: id,
                Result: JSON.stringify(result ?? null),
              };
            } catch (error) {
              if (options.isCrash?.(error) === true) throw error;
              const e = error instanceof Error ? error : new Error(String(error));
              return {
                EventType: EVENT.TaskFailed,
                TaskScheduledId: id,
                Reason: e.message,
                Details: e.stack,
              };
            }
          }
          if (action.actionType === ACTION.CallSubOrchestrator) {
            return runSubOrchestration(action, id);
          }
          if (action.actionType === ACTION.CreateTimer) {
            const fireAt = new Date(action.fireAt ?? clock.now());
            history.push({
              ...event(EVENT.TimerCreated, { FireAt: fireAt.toISOString() }),
              EventId: id,
            });
            await clock.sleepUntil(fireAt.getTime());
            return { EventType: EVENT.TimerFired, TimerId: id, FireAt: fireAt.toISOString() };
          }
          throw new Error(`The local runtime does not support action type ${action.actionType}`);
        }),
      );
      if (completions.includes(STOPPED))
        return {
          output: undefined,
          stopped: true,
          executions: execution,
          episodes: count.episodes,
        };
      history.push(event(EVENT.OrchestratorStarted));
      for (const completion of completions as { EventType: number }[])
        history.push({ ...event(completion.EventType), ...completion });
    }

    /**
     * A sub-orchestration runs as its own instance, with its own history and executions; its caller's
     * history records its creation (with its input) and its completion (with its output or failure).
     */
    async function runSubOrchestration(
      action: Action,
      id: number,
    ): Promise<object | typeof STOPPED> {
      const childName = action.functionName ?? "";
      // The host derives an instance id when none is given; ours is unique within the caller.
      const childId = action.instanceId ?? `${instanceId}:${id}`;
      const childInput = asJson(decodeInput(action.input));
      history.push({
        ...event(EVENT.SubOrchestrationInstanceCreated, {
          Name: childName,
          InstanceId: childId,
          Input: JSON.stringify(childInput),
        }),
        EventId: id,
      });
      const child = options.orchestrations?.[childName];
      try {
        if (child === undefined)
          throw new Error(`No orchestration named ${childName} is registered`);
        const result = await runInstance(child, childName, childId, childInput, options, count);
        if (result.stopped) return STOPPED;
        return {
          EventType: EVENT.SubOrchestrationInstanceCompleted,
          TaskScheduledId: id,
          Result: JSON.stringify(result.output ?? null),
        };
      } catch (error) {
        if (!isOrchestrationFailedError(error) && child !== undefined) throw error;
        const e = error instanceof Error ? error : new Error(String(error));
        return {
          EventType: EVENT.SubOrchestrationInstanceFailed,
          TaskScheduledId: id,
          Reason: e.message,
          Details: e.stack,
        };
      }
    }
  }
}

export { OrchestrationFailedError, isOrchestrationFailedError } from "./orchestrationFailure";
