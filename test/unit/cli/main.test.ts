import { describe, expect, it } from "vitest";
import type { Command } from "commander";
import { createProgram, main } from "../../../src/cli/main";
import { OperationFailedError, UsageError, exitCodeFor } from "../../../src/cli/errors";
import { ConfigurationError } from "../../../src/errors";
import { runCli } from "./cliHarness";

const quietRuntime = {
  env: {},
  cwd: process.cwd(),
  stdout: () => undefined,
  stderr: () => undefined,
};
const commandNames = () =>
  createProgram(quietRuntime)
    .commands.map((c) => c.name())
    .filter((n) => n !== "help");

describe("fhir-migrate", () => {
  it("is the program's name", () => {
    expect(createProgram(quietRuntime).name()).toBe("fhir-migrate");
  });

  it("registers check-config", () => {
    expect(commandNames()).toContain("check-config");
  });

  it("exits 0 for --help and prints the exit codes", async () => {
    const run = await runCli(["--help"]);
    expect({
      code: run.code,
      codes: run.stdout.includes("2  bad configuration or bad usage"),
    }).toEqual({ code: 0, codes: true });
  });

  it("exits 0 for --version", async () => {
    const run = await runCli(["--version"]);
    expect({ code: run.code, out: /^\d+\.\d+\.\d+/.test(run.stdout) }).toEqual({
      code: 0,
      out: true,
    });
  });

  it("exits 2 for an unknown command, naming it", async () => {
    const run = await runCli(["no-such-command"]);
    expect({
      code: run.code,
      named: run.stderr.includes("unknown command 'no-such-command'"),
    }).toEqual({ code: 2, named: true });
  });

  it("exits 2 for an unknown option", async () => {
    expect((await runCli(["check-config", "--no-such-option"])).code).toBe(2);
  });

  it("exits 2 without a command, showing the usage", async () => {
    const run = await runCli([]);
    expect({ code: run.code, usage: run.stderr.startsWith("Usage: fhir-migrate") }).toEqual({
      code: 2,
      usage: true,
    });
  });

  it("accepts --json after the command name as well as before it", async () => {
    const run = await runCli(["check-config", "--json"], { env: {} });
    expect((JSON.parse(run.stdout) as { ok: boolean }).ok).toBe(false);
  });

  it.each(commandNames())("shows examples in the help of %s", async (name) => {
    const run = await runCli([name, "--help"]);
    expect(run.stdout).toMatch(new RegExp(`\\nExamples:\\n(  (\\$ )?fhir-migrate ${name}.*\\n)+`));
  });

  it.each(commandNames())("documents the exit codes in the help of %s", async (name) => {
    const run = await runCli(["help", name]);
    expect(run.stdout).toMatch(/Exit codes:/);
  });
});

describe("exit codes", () => {
  it("are 2 for a configuration error", () => {
    expect(exitCodeFor(new ConfigurationError([]))).toBe(2);
  });

  it("are 2 for a usage error", () => {
    expect(exitCodeFor(new UsageError("bad"))).toBe(2);
  });

  it("are 1 for a failed operation", () => {
    expect(exitCodeFor(new OperationFailedError("3 differences"))).toBe(1);
  });

  it("are 1 for any other error", () => {
    expect(exitCodeFor(new TypeError("bug"))).toBe(1);
  });
});

describe("errors thrown by a command", () => {
  const boom = (error: Error) => ({
    register: (program: Command) =>
      void program.command("boom").action(() => {
        throw error;
      }),
  });

  async function run(error: Error, args = ["boom"]) {
    const out: string[] = [];
    const err: string[] = [];
    const runtime = {
      env: {},
      cwd: process.cwd(),
      stdout: (t: string) => void out.push(t),
      stderr: (t: string) => void err.push(t),
    };
    const code = await main(args, runtime, [boom(error)]);
    return { code, stdout: out.join(""), stderr: err.join("") };
  }

  it("exit 1 with the one-line message of an operation failure", async () => {
    expect(await run(new OperationFailedError("verification found 3 differences"))).toEqual({
      code: 1,
      stdout: "",
      stderr: "verification found 3 differences\n",
    });
  });

  it("exit 2 with the message of a usage error", async () => {
    expect(await run(new UsageError("--out is required"))).toEqual({
      code: 2,
      stdout: "",
      stderr: "--out is required\n",
    });
  });

  it("exit 1 with the message of an unexpected error and no stack trace", async () => {
    const result = await run(new TypeError("x is undefined"));
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "TypeError: x is undefined\n(an unexpected error; run again with --debug for the stack trace)\n",
    });
  });

  it("print the stack of an unexpected error with --debug", async () => {
    const result = await run(new TypeError("x is undefined"), ["--debug", "boom"]);
    expect(result.stderr).toMatch(/^TypeError: x is undefined\n\s+at /);
  });

  it("never print durable-functions' internal state or an activity's stack", async () => {
    const inner = new Error("connect ECONNREFUSED 127.0.0.1:10002");
    const dump = `${inner.message} \n ${inner.stack}\n\n$OutOfProcData$:{"isDone":false,"actions":[]}`;
    const result = await run(new OperationFailedError(dump));
    expect(result.stderr).toBe("connect ECONNREFUSED 127.0.0.1:10002\n");
  });

  it("print a failed orchestration's one-line message without the unexpected-error hint", async () => {
    const error = new Error("E2ETestOrchestration failed: connect ECONNREFUSED 127.0.0.1:10002");
    error.name = "OrchestrationFailedError";
    expect(await run(error)).toEqual({
      code: 1,
      stdout: "",
      stderr: "E2ETestOrchestration failed: connect ECONNREFUSED 127.0.0.1:10002\n",
    });
  });

  it("strip control sequences and redact credentials in everything printed", async () => {
    const result = await run(
      new OperationFailedError("\u001b]0;owned\u0007bad \u001b[2Kreason https://h/x?sig=SECRET"),
    );
    expect(result.stderr).toBe("bad reason https://h/x?sig=REDACTED\n");
  });

  it("print a configuration error with a pointer to the settings reference", async () => {
    const issue = { setting: "AZURE_PayloadCount", received: '"9"', expected: "1 to 5" };
    const result = await run(new ConfigurationError([issue]));
    expect(result.stderr).toBe(
      'Invalid settings (1):\n  - AZURE_PayloadCount: received "9"; expected 1 to 5\n' +
        "docs/configuration.md describes every setting and what it accepts.\n",
    );
  });

  it("print a JSON error document on stdout with --json", async () => {
    const result = await run(new UsageError("--x: expected a number"), ["--json", "boom"]);
    expect({ code: result.code, body: JSON.parse(result.stdout) as unknown }).toEqual({
      code: 2,
      body: {
        ok: false,
        exitCode: 2,
        error: { name: "UsageError", message: "--x: expected a number" },
      },
    });
  });

  it("leave stdout to the command's own report when an operation fails with --json", async () => {
    const result = await run(new OperationFailedError("3 differences"), ["--json", "boom"]);
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 1, stdout: "" });
  });
});
