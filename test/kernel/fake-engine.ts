// A scripted Engine for the kernel's tests (handlers in memory, and the kernel process over sockets via
// `tensorbook kernel --engine`). It is not a language: each line of a cell is one command, so a test says
// exactly which outputs a cell makes and can check the kernel turns them into the right messages.
//
//   print TEXT | eprint TEXT     stdout / stderr stream
//   display TEXT                 display_data (text/plain + text/html)
//   update ID TEXT               update_display_data for display_id ID
//   clear                        clear_output
//   sleep MS                     waits (interrupt() ends it with an error, like the real runtime)
//   input PROMPT                 asks stdin, prints "got VALUE"
//   fail NAME MESSAGE            the cell fails
//   = VALUE                      the cell's result is VALUE (text/plain)
//   bundle MIME                  the cell's result has only MIME (the kernel must add text/plain)
import type { CellIO, CompleteResult, Engine, ExecuteOptions, ExecuteOutcome, InspectResult, IsCompleteResult } from "../../src/runtime/engine";

export const WORDS = ["console", "const", "constructor", "Math", "tensor", "𝔼value"];

export class FakeEngine implements Engine {
  readonly executed: { code: string; options: ExecuteOptions }[] = [];
  interrupts = 0;
  shutdowns = 0;
  private wake: (() => void) | undefined;

  async execute(code: string, options: ExecuteOptions, io: CellIO): Promise<ExecuteOutcome> {
    this.executed.push({ code, options });
    let result: ExecuteOutcome = { status: "ok", userExpressions: {} };
    for (const line of code.split("\n")) {
      const [command, ...rest] = line.trim().split(" ");
      const arg = rest.join(" ");
      switch (command) {
        case "print":
          io.output({ type: "stream", name: "stdout", text: arg + "\n" });
          break;
        case "eprint":
          io.output({ type: "stream", name: "stderr", text: arg + "\n" });
          break;
        case "display":
          io.output({ type: "display_data", data: { "text/plain": arg, "text/html": `<b>${arg}</b>` }, metadata: {} });
          break;
        case "update":
          io.output({ type: "update_display_data", data: { "text/plain": rest.slice(1).join(" ") }, metadata: {}, transient: { display_id: rest[0] } });
          break;
        case "clear":
          io.output({ type: "clear_output", wait: false });
          break;
        case "sleep": {
          const interrupted = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), Number(arg));
            this.wake = () => {
              clearTimeout(timer);
              resolve(true);
            };
          });
          this.wake = undefined;
          if (interrupted) return { status: "error", ename: "InterruptedError", evalue: "the cell was interrupted", traceback: ["InterruptedError: the cell was interrupted"] };
          break;
        }
        case "input": {
          try {
            const value = await io.input(arg, false);
            io.output({ type: "stream", name: "stdout", text: `got ${value}\n` });
          } catch (e) {
            return { status: "error", ename: "InputError", evalue: (e as Error).message, traceback: [(e as Error).message] };
          }
          break;
        }
        case "fail":
          return { status: "error", ename: rest[0], evalue: rest.slice(1).join(" "), traceback: [`${rest[0]}: ${rest.slice(1).join(" ")}`, `    at Cell In[${options.executionCount}], line 1`] };
        case "=":
          result = { status: "ok", result: { data: { "text/plain": arg }, metadata: {} }, userExpressions: {} };
          break;
        case "bundle":
          result = { status: "ok", result: { data: { [arg]: "<svg/>" }, metadata: {} }, userExpressions: {} };
          break;
      }
    }
    if (result.status === "ok") {
      for (const [name, expression] of Object.entries(options.userExpressions)) {
        result.userExpressions[name] = { status: "ok", data: { "text/plain": expression.toUpperCase() }, metadata: {} };
      }
    }
    return result;
  }

  /** Completes the word before the cursor (offsets in UTF-16, as the Engine contract says). */
  async complete(code: string, cursorPos: number): Promise<CompleteResult> {
    const before = code.slice(0, cursorPos);
    const word = /[\p{L}\p{N}_$]*$/u.exec(before)![0];
    return { matches: WORDS.filter((w) => w.startsWith(word)), cursorStart: cursorPos - word.length, cursorEnd: cursorPos, metadata: {} };
  }

  async inspect(code: string, cursorPos: number): Promise<InspectResult> {
    const word = WORDS.find((w) => code.slice(0, cursorPos).endsWith(w));
    return word === undefined ? { found: false, data: {}, metadata: {} } : { found: true, data: { "text/plain": `${word}: a word` }, metadata: {} };
  }

  /** Balanced braces: complete; more { than }: incomplete; a } too many: invalid. */
  async isComplete(code: string): Promise<IsCompleteResult> {
    let depth = 0;
    for (const c of code) {
      depth += c === "{" ? 1 : c === "}" ? -1 : 0;
      if (depth < 0) return { status: "invalid" };
    }
    return depth > 0 ? { status: "incomplete", indent: "  ".repeat(depth) } : { status: "complete" };
  }

  interrupt(): void {
    this.interrupts++;
    this.wake?.();
  }

  async shutdown(): Promise<void> {
    this.shutdowns++;
  }
}

/** For `tensorbook kernel --engine dist…/test/kernel/fake-engine.js`. */
export function createEngine(_options: { cwd: string }): Engine {
  return new FakeEngine();
}
