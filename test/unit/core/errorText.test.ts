import { describe, expect, it } from "vitest";
import { withoutStack } from "../../../src/core/errorText";

describe("withoutStack", () => {
  it("keeps an activity failure's reason and drops the stack durable-functions appends", () => {
    const error = new Error("Table storage unreachable");
    expect(withoutStack(`${error.message} \n ${error.stack}`)).toBe("Table storage unreachable");
  });

  it("drops durable-functions' orchestration state dump", () => {
    expect(
      withoutStack('connect ECONNREFUSED\n\n$OutOfProcData$:{"isDone":false,"actions":[[]]}'),
    ).toBe("connect ECONNREFUSED");
  });

  it("drops stack frame lines and keeps a multi-line message", () => {
    const text = "Invalid settings (2):\n  - A: bad\n  - B: bad\n    at parse (src/x.ts:1:2)";
    expect(withoutStack(text)).toBe("Invalid settings (2):\n  - A: bad\n  - B: bad");
  });

  it("takes the message from the state dump when durable-functions put it there", () => {
    const inner = new Error("connect ECONNREFUSED");
    const state = JSON.stringify({ isDone: false, error: `${inner.message} \n ${inner.stack}` });
    expect(withoutStack(`false\n\n$OutOfProcData$:${state}`)).toBe("connect ECONNREFUSED");
  });

  it("leaves a message with no stack unchanged", () => {
    expect(withoutStack("HTTP 403 on GET https://h/x")).toBe("HTTP 403 on GET https://h/x");
  });
});

describe("withoutStack keeps message lines that only look like frames", () => {
  it("keeps an indented line starting with 'at'", () => {
    const text = "Bad request:\n  at least one entry is required";
    expect(withoutStack(text)).toBe(text);
  });
});
