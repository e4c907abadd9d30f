// Drives an Engine through its public API, as the kernel does: one execute at a time, outputs collected.
import { after, before } from "node:test";
import type { CellOutput, Engine, ExecuteOutcome } from "../../src/runtime/engine";
import { createEngine } from "../../src/runtime/index";
import { stripAnsi } from "../../src/export/ansi";
import { fixture } from "../helpers/tools";

export const notebookDir = fixture("runtime", "notebook");

export interface CellRun {
  outcome: ExecuteOutcome;
  outputs: CellOutput[];
  /** stdout / stderr text of the cell, joined. */
  stdout: string;
  stderr: string;
  /** execute_result's text/plain, when the cell has one. */
  text: string | undefined;
  /** The error's traceback without ANSI colours, one string. */
  traceback: string;
}

export class Session {
  private started: Engine | undefined;
  private count = 0;
  inputs: string[] = [];

  /** A session with its engine started now, or (start = false) when start() is called. */
  constructor(private readonly cwd: string = notebookDir, start = true) {
    if (start) this.start();
  }

  /**
   * One session for the enclosing describe() (or the file, at top level): its engine starts in the
   * suite's before() hook and shuts down in after(), so each suite's worker lives only while it runs.
   */
  static forSuite(cwd?: string): Session {
    const session = new Session(cwd, false);
    before(() => session.start());
    after(() => session.shutdown());
    return session;
  }

  start(): void {
    this.started = createEngine({ cwd: this.cwd });
  }

  get engine(): Engine {
    if (this.started === undefined) throw new Error("Session: the engine is not started (forSuite's before() hook has not run)");
    return this.started;
  }

  async run(code: string, userExpressions: { [name: string]: string } = {}, onOutput?: (out: CellOutput) => void): Promise<CellRun> {
    const outputs: CellOutput[] = [];
    const outcome = await this.engine.execute(code, {
      executionCount: ++this.count, silent: false, storeHistory: true, allowStdin: true, userExpressions,
    }, {
      output: (out) => {
        outputs.push(out);
        onOutput?.(out);
      },
      input: async (prompt, password) => {
        const answer = this.inputs.shift();
        if (answer === undefined) throw new Error(`unexpected input(${JSON.stringify(prompt)}, password=${password})`);
        return `${answer}`;
      },
    });
    const stream = (name: "stdout" | "stderr"): string =>
      outputs.map((o) => (o.type === "stream" && o.name === name ? o.text : "")).join("");
    const text = outcome.status === "ok" ? outcome.result?.data["text/plain"] as string | undefined : undefined;
    const traceback = outcome.status === "error" ? stripAnsi(outcome.traceback.join("\n")) : "";
    return { outcome, outputs, stdout: stream("stdout"), stderr: stream("stderr"), text, traceback };
  }

  /** Runs a cell that must succeed and returns its result's text/plain. */
  async value(code: string): Promise<string | undefined> {
    const run = await this.run(code);
    if (run.outcome.status !== "ok") throw new Error(`cell failed: ${run.outcome.ename}: ${run.outcome.evalue}\n${run.traceback}`);
    return run.text;
  }

  get executionCount(): number {
    return this.count;
  }

  shutdown(): Promise<void> {
    return this.engine.shutdown();
  }
}
