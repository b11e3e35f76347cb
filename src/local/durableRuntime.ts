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
  /**
   * A simulated clock's participants (src/local/virtualClock.ts): time moves on only once every
   * participant sleeps. The runtime counts an orchestration while it replays, and each activity,
   * sub-orchestration start and timer while it is under way, so simulated time never moves on while
   * an activity works beside a sleeping orchestration. Returns the function that leaves.
   */
  join?(): () => void;
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
      // Called at once (it wakes the waiting orchestration on a simulated clock), resolved after.
      waiter(input);
      return;
    }
    this.buffered.set(name, [...(this.buffered.get(name) ?? []), input]);
  }

  /** The next `name` event; `delivered` is called the moment it is raised (before it resolves). */
  next(name: string, signal: AbortSignal, delivered: () => void = () => {}): Promise<unknown> {
    const queue = this.buffered.get(name);
    if (queue !== undefined && queue.length > 0) {
      const input = queue.shift();
      if (queue.length === 0) this.buffered.delete(name);
      delivered();
      return Promise.resolve(input);
    }
    return new Promise((resolve) => {
      const waiter = (input: unknown) => {
        delivered();
        resolve(input);
      };
      this.waiters.set(name, waiter);
      signal.addEventListener(
        "abort",
        () => {
          if (this.waiters.get(name) === waiter) this.waiters.delete(name);
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
  const presence: Presence = { leave: options.clock?.join?.() };
  try {
    return await runInstance(
      orchestrator,
      name,
      instanceId,
      input,
      options,
      { episodes: 0 },
      presence,
    );
  } finally {
    presence.leave?.();
  }
}

/**
 * An instance's place among a simulated clock's participants (`Clock.join`): held while it replays,
 * let go while it waits for what it started. Whatever completes takes it back before letting go of
 * its own, so there is no instant at which neither counts.
 */
interface Presence {
  leave: (() => void) | undefined;
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
  presence: Presence,
): Promise<RunResult> {
  const events = new LocalEvents();
  const runs = runningInstances.get(instanceId) ?? new Set<LocalEvents>();
  runningInstances.set(instanceId, runs);
  runs.add(events);
  try {
    return await runExecutions(
      orchestrator,
      name,
      instanceId,
      input,
      options,
      events,
      count,
      presence,
    );
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

/** An action under way: its completion event once it completed. */
interface Pending {
  done: Promise<void>;
  completion: object | typeof STOPPED | undefined;
  /** Its completion is known and waits to be replayed (an event kept before it was waited for). */
  ready: boolean;
  /** A timer or an event wait: dropped when anything else completes first. */
  wait?: AbortController;
}

async function runExecutions(
  orchestrator: OrchestrationHandler,
  name: string,
  instanceId: string,
  input: unknown,
  options: LocalRuntimeOptions,
  events: LocalEvents,
  count: EpisodeCount,
  presence: Presence,
): Promise<RunResult> {
  const clock = options.clock ?? realClock;
  const join = (): (() => void) | undefined => clock.join?.();
  const hold = (): void => {
    presence.leave ??= join();
  };
  const letGo = (): void => {
    const leave = presence.leave;
    presence.leave = undefined;
    leave?.();
  };
  const handler = testingUtils.createOrchestrator(orchestrator);
  let executionInput = input;
  for (let execution = 1; ; execution++) {
    // Completions of an execution that continued as new or ended are not replayed (nor do they
    // take the presence back).
    const current = { live: true };
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
    // What the orchestrator started and has not yet seen complete, in start order.
    const pending = new Set<Pending>();
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
        current.live = false;
        ended("continued-as-new");
        executionInput = decodeInput(continueAsNew.input);
        break;
      }
      if (state.isDone) {
        current.live = false;
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
      history.push(event(EVENT.OrchestratorCompleted));
      for (const action of fresh) start(action);
      if (pending.size === 0)
        throw new Error(
          `Orchestration ${name} is waiting for something the local runtime cannot deliver`,
        );
      // As the host does: the orchestrator replays when something it started completes, whatever
      // else is still running (it may leave an activity running across later waits). What
      // completed by the same instant replays together, in the order it was started.
      if (![...pending].some((p) => p.ready)) letGo();
      await Promise.race([...pending].map((p) => p.done));
      hold();
      await new Promise((resolve) => setImmediate(resolve));
      const completed = [...pending].filter((p) => p.completion !== undefined);
      for (const p of completed) pending.delete(p);
      if (completed.some((p) => p.completion === STOPPED))
        return {
          output: undefined,
          stopped: true,
          executions: execution,
          episodes: count.episodes,
        };
      // Timers and event waits are only waited on together, in the Task.any that ends a wait:
      // when one of them completes, the orchestrator cancels its timer and the wait's other
      // branches are dropped. An activity completing meanwhile leaves the wait as it is.
      if (completed.some((p) => p.wait !== undefined))
        for (const p of pending)
          if (p.wait !== undefined) {
            p.wait.abort();
            pending.delete(p);
          }
      history.push(event(EVENT.OrchestratorStarted));
      for (const p of completed) {
        const completion = p.completion as { EventType: number };
        history.push({ ...event(completion.EventType), ...completion });
      }
    }

    /** Starts an action the orchestrator scheduled; its completion is kept in `pending`. */
    function start(action: Action): void {
      const entry: Pending = { done: Promise.resolve(), completion: undefined, ready: false };
      // A completion takes the presence back before the action lets go of its own.
      const completed = (): void => {
        entry.ready = true;
        if (current.live) hold();
      };
      let run: Promise<object | typeof STOPPED>;
      // What counts for the action on a simulated clock until it completes (or is dropped).
      let leave: (() => void) | undefined;
      if (action.actionType === ACTION.WaitForExternalEvent) {
        const abort = new AbortController();
        entry.wait = abort;
        const eventName = action.externalEventName ?? "";
        // Taken back when the event is raised, not when its promise settles: the raiser may sleep
        // on the clock in between.
        run = events.next(eventName, abort.signal, completed).then((raised) => ({
          EventType: EVENT.EventRaised,
          Name: eventName,
          Input: JSON.stringify(raised ?? null),
        }));
      } else {
        const id = scheduled++;
        if (action.actionType === ACTION.CreateTimer) entry.wait = new AbortController();
        if (action.actionType === ACTION.CallSubOrchestrator) {
          // The child's presence counts from now; the child holds and lets go of it as it runs.
          const child: Presence = { leave: join() };
          leave = () => child.leave?.();
          run = runSubOrchestration(action, id, child);
        } else {
          leave = join();
          run = runAction(action, id, entry.wait?.signal);
          // After the timer's sleep has registered its own: a dropped timer stops sleeping on the
          // clock before it stops counting.
          entry.wait?.signal.addEventListener("abort", () => leave?.(), { once: true });
        }
      }
      pending.add(entry);
      entry.done = run
        .then((completion) => {
          completed();
          entry.completion = completion;
        })
        .finally(() => leave?.());
    }

    async function runAction(
      action: Action,
      id: number,
      signal: AbortSignal | undefined,
    ): Promise<object | typeof STOPPED> {
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
      if (action.actionType === ACTION.CreateTimer) {
        const fireAt = new Date(action.fireAt ?? clock.now());
        history.push({
          ...event(EVENT.TimerCreated, { FireAt: fireAt.toISOString() }),
          EventId: id,
        });
        await clock.sleepUntil(fireAt.getTime(), signal);
        return { EventType: EVENT.TimerFired, TimerId: id, FireAt: fireAt.toISOString() };
      }
      throw new Error(`The local runtime does not support action type ${action.actionType}`);
    }

    /**
     * A sub-orchestration runs as its own instance, with its own history and executions; its caller's
     * history records its creation (with its input) and its completion (with its output or failure).
     */
    async function runSubOrchestration(
      action: Action,
      id: number,
      childPresence: Presence,
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
        const result = await runInstance(
          child,
          childName,
          childId,
          childInput,
          options,
          count,
          childPresence,
        );
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
