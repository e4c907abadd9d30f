// The session's threads: the main thread stays free while a cell spins, shutdown answers a running cell,
// and a cell that ends its thread (process.exit) leaves a clear error instead of a hang.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Session } from "./session";

describe("session lifecycle", () => {
  it("the main thread keeps running timers while a cell spins in while (true) {}", async () => {
    const s = new Session();
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    const run = s.run(`console.log("go");\nwhile (true) {}`, {}, (out) => {
      if (out.type === "stream") setTimeout(() => s.engine.interrupt(), 300);
    });
    const outcome = (await run).outcome;
    clearInterval(ticker);
    assert.equal(outcome.status === "error" ? outcome.ename : "", "KeyboardInterrupt");
    assert.ok(ticks >= 10, `${ticks} ticks of a 10 ms timer during the cell`);
    await s.shutdown();
  });

  it("shutdown() while a cell runs: the cell's reply comes, as DeadKernelError", async () => {
    const s = new Session();
    const run = s.run(`console.log("go");\nwhile (true) {}`, {}, (out) => {
      if (out.type === "stream") void s.shutdown();
    });
    const outcome = (await run).outcome;
    assert.equal(outcome.status === "error" ? outcome.ename : "", "DeadKernelError");
  });

  it("process.exit() in a cell ends the session's thread with a clear error, also for later cells", async () => {
    const s = new Session();
    const first = await s.run(`process.exit(3)`);
    assert.equal(first.outcome.status === "error" ? first.outcome.ename : "", "DeadKernelError");
    assert.match(first.outcome.status === "error" ? first.outcome.evalue : "", /exited with code 3/);
    const next = await s.run(`1`);
    assert.equal(next.outcome.status === "error" ? next.outcome.ename : "", "DeadKernelError");
    await s.shutdown();
  });
});
