import { describe, expect, it } from "vitest";
import type { JobEvent, JobState } from "../../../src/core/jobLifecycle";
import {
  IllegalJobTransitionError,
  JOB_TRANSITIONS,
  canTransition,
  exportJob,
  importJob,
  isInFlight,
  isIllegalJobTransitionError,
  isTerminal,
  isolationPartJob,
  reindexJob,
  reindexJobState,
  transition,
} from "../../../src/core/jobLifecycle";

const STATES: JobState[] = ["queued", "claimed", "running", "completed", "failed"];
const EVENTS: JobEvent[] = ["claim", "record", "requeue", "complete", "fail"];

/** The lifecycle as docs/architecture-jobs.md draws it: every allowed transition, nothing else. */
const ALLOWED: [JobState, JobEvent, JobState][] = [
  ["queued", "claim", "claimed"],
  ["queued", "record", "running"],
  ["queued", "complete", "completed"],
  ["claimed", "record", "running"],
  ["claimed", "requeue", "queued"],
  ["claimed", "fail", "failed"],
  ["claimed", "complete", "completed"],
  ["running", "requeue", "queued"],
  ["running", "fail", "failed"],
  ["running", "complete", "completed"],
  ["failed", "complete", "completed"],
];

const REFUSED: [JobState, JobEvent][] = STATES.flatMap((from) =>
  EVENTS.filter((event) => !ALLOWED.some(([f, e]) => f === from && e === event)).map(
    (event): [JobState, JobEvent] => [from, event],
  ),
);

describe("the job lifecycle", () => {
  it.each(ALLOWED)("allows %s --%s--> %s", (from, event, to) => {
    expect(canTransition(from, event)).toBe(true);
    expect(transition(from, event)).toBe(to);
  });

  it.each(REFUSED)("refuses %s --%s-->", (from, event) => {
    expect(canTransition(from, event)).toBe(false);
    expect(() => transition(from, event)).toThrow(IllegalJobTransitionError);
  });

  it("declares exactly the drawn transitions", () => {
    const declared = STATES.flatMap((from) =>
      Object.entries(JOB_TRANSITIONS[from]).map(([event, to]) => [from, event, to]),
    );
    expect(declared).toHaveLength(ALLOWED.length);
    expect(REFUSED).toHaveLength(STATES.length * EVENTS.length - ALLOWED.length);
  });

  it("names what a kind allows from a status, not what the machine allows", () => {
    expect(() => exportJob.next("Running", "fail")).toThrow(
      "export job: cannot fail from Running; allowed from there: requeue, complete",
    );
  });

  it("names a kind's refused transition in the kind's own words", () => {
    expect(() => importJob.next("Running", "claim")).toThrow(
      "import job: cannot claim from Running; allowed from there: requeue, complete, fail",
    );
  });

  it("names the refused transition and what is allowed from there", () => {
    let caught: unknown;
    try {
      transition("completed", "claim", "export");
    } catch (error) {
      caught = error;
    }
    expect(isIllegalJobTransitionError(caught)).toBe(true);
    expect((caught as Error).message).toBe(
      "export job: cannot claim from completed; allowed from there: nothing",
    );
  });

  it("counts claimed and running jobs as in flight, and nothing else", () => {
    expect(STATES.filter(isInFlight)).toEqual(["claimed", "running"]);
  });

  it("counts completed and failed jobs as terminal", () => {
    expect(STATES.filter(isTerminal)).toEqual(["completed", "failed"]);
  });
});

describe("the export job", () => {
  it("is claimed from Planned only", () => {
    expect(exportJob.next("Planned", "claim")).toBe("Started");
    expect(exportJob.can("Started", "claim")).toBe(false);
    expect(exportJob.can("Completed", "claim")).toBe(false);
  });

  it("records its status URL, then completes", () => {
    expect(exportJob.next("Started", "record")).toBe("Running");
    expect(exportJob.next("Running", "complete")).toBe("Completed");
  });

  it("is requeued to Planned from Started or Running", () => {
    expect(exportJob.next("Started", "requeue")).toBe("Planned");
    expect(exportJob.next("Running", "requeue")).toBe("Planned");
    expect(exportJob.can("Planned", "requeue")).toBe(false);
  });

  it("never fails for good: it has no failed status", () => {
    expect(exportJob.can("Running", "fail")).toBe(false);
    expect(() => exportJob.next("Running", "fail")).toThrow(IllegalJobTransitionError);
  });

  it("is not completed twice", () => {
    expect(() => exportJob.next("Completed", "complete")).toThrow(IllegalJobTransitionError);
  });

  it("is in flight while Started or Running", () => {
    const statuses = ["Planned", "Started", "Running", "Completed"] as const;
    expect(statuses.filter((s) => exportJob.isInFlight(s))).toEqual(["Started", "Running"]);
  });
});

describe("the import job", () => {
  it("fails for good to Failed, or is requeued to Pending", () => {
    expect(importJob.next("Running", "fail")).toBe("Failed");
    expect(importJob.next("Running", "requeue")).toBe("Pending");
    expect(importJob.next("Started", "requeue")).toBe("Pending");
  });

  it("records a job from Pending or Started, never from Completed", () => {
    expect(importJob.next("Pending", "record")).toBe("Running");
    expect(importJob.next("Started", "record")).toBe("Running");
    expect(importJob.can("Running", "record")).toBe(false);
    expect(importJob.can("Completed", "record")).toBe(false);
  });

  it("is terminal once Completed or Failed", () => {
    const statuses = ["Pending", "Started", "Running", "Completed", "Failed"] as const;
    expect(statuses.filter((s) => importJob.isTerminal(s))).toEqual(["Completed", "Failed"]);
  });
});

describe("the reindex job", () => {
  it("is claimed from needed, stored as running", () => {
    expect(reindexJob.next("needed", "claim")).toBe("running");
  });

  it("is outside the lifecycle while none", () => {
    expect(reindexJob.state("none")).toBeUndefined();
    expect(reindexJob.can("none", "claim")).toBe(false);
    expect(reindexJob.isInFlight("none")).toBe(false);
    expect(() => reindexJob.next("none", "claim")).toThrow(IllegalJobTransitionError);
  });

  it("tells a claim from a running job by its status URL", () => {
    expect(reindexJobState({ reindexState: "running", reindexStatusUrl: undefined })).toBe(
      "claimed",
    );
    expect(reindexJobState({ reindexState: "running", reindexStatusUrl: "https://x/1" })).toBe(
      "running",
    );
  });

  it("completes to done or fails to failed", () => {
    expect(reindexJob.next("running", "complete")).toBe("done");
    expect(reindexJob.next("running", "fail")).toBe("failed");
    expect(reindexJob.next("running", "requeue")).toBe("needed");
  });
});

describe("an isolation part", () => {
  it("is in flight while Started or Running", () => {
    const statuses = ["Pending", "Started", "Running", "Imported", "Split", "Refused"] as const;
    expect(statuses.filter((s) => isolationPartJob.isInFlight(s))).toEqual(["Started", "Running"]);
  });

  it("is claimed, recorded, requeued and completed in its own words", () => {
    expect(isolationPartJob.next("Pending", "claim")).toBe("Started");
    expect(isolationPartJob.next("Started", "record")).toBe("Running");
    expect(isolationPartJob.next("Running", "requeue")).toBe("Pending");
    expect(isolationPartJob.next("Running", "complete")).toBe("Imported");
  });

  it("refuses a failure event: Split or Refused is the isolation planner's choice", () => {
    expect(isolationPartJob.can("Running", "fail")).toBe(false);
  });
});

describe("JobKind.nextFrom", () => {
  it("writes reindex's claimed state as its stored 'running' when the URL is recorded", () => {
    expect(reindexJob.nextFrom("claimed", "record")).toBe("running");
  });
  it("refuses what the table refuses", () => {
    expect(() => reindexJob.nextFrom("running", "record")).toThrow(IllegalJobTransitionError);
  });
});
