// Issue 3, "Semantics" and "Globals": console → streams (coalesced, flushed before the reply), the last
// value → execute_result, display()/display.* and their handles, tslab's API, input(), user_expressions,
// output of background work.
import assert from "node:assert/strict";
import * as util from "node:util";
import { describe, it } from "node:test";
import type { CellOutput } from "../../src/runtime/engine";
import { stripAnsi } from "../../src/export/ansi";
import { Session } from "./session";

type Display = Extract<CellOutput, { type: "display_data" }>;

describe("cell outputs", () => {
  const s = Session.forSuite();

  it("console.log/info → stdout, warn/error → stderr, formatted by util.format", async () => {
    const run = await s.run(`console.log("a %d and %s", 1, "b", { c: [1] });\nconsole.info("info");\nconsole.warn("warn");\nconsole.error(new Map([[1, 2]]));`);
    assert.equal(run.stdout, util.format("a %d and %s", 1, "b", { c: [1] }) + "\ninfo\n");
    assert.equal(run.stderr, "warn\n" + util.format(new Map([[1, 2]])) + "\n");
  });

  it("a loop of 2000 console.log calls is coalesced into few stream messages, nothing lost", async () => {
    const run = await s.run(`for (let i = 0; i < 2000; i++) console.log(i);`);
    const messages = run.outputs.filter((o) => o.type === "stream");
    assert.ok(messages.length <= 3, `${messages.length} stream messages`);
    assert.equal(run.stdout, Array.from({ length: 2000 }, (_, i) => `${i}\n`).join(""));
  });

  it("a slow loop sends its output while it runs (about 10 messages a second), not only at the end", async () => {
    const run = await s.run(`for (let i = 0; i < 12; i++) { console.log(i); await new Promise((r) => setTimeout(r, 50)); }`);
    const messages = run.outputs.filter((o) => o.type === "stream").length;
    assert.ok(messages >= 3 && messages <= 10, `${messages} stream messages for 600 ms of output`);
  });

  it("display() with a value, and display.* with one MIME type each, all with text/plain", async () => {
    const run = await s.run(`display({ a: 1 });\ndisplay.html("<b>x</b>");\ndisplay.markdown("# T");\ndisplay.png(new Uint8Array([137, 80, 78, 71]));\ndisplay.json({ k: [1] });`);
    const shown = run.outputs.filter((o): o is Display => o.type === "display_data").map((o) => o.data);
    assert.deepEqual(shown.map((d) => Object.keys(d).sort()), [["text/plain"], ["text/html", "text/plain"], ["text/markdown", "text/plain"], ["image/png", "text/plain"], ["application/json", "text/plain"]]);
    assert.equal(shown[0]?.["text/plain"], "{ a: 1 }");
    assert.equal(shown[3]?.["image/png"], Buffer.from([137, 80, 78, 71]).toString("base64"));
  });

  it("a display handle as the cell's last value shows once: no execute_result repeats it", async () => {
    const run = await s.run(`display.html("<b>once</b>")`);
    assert.equal(run.outputs.filter((o) => o.type === "display_data").length, 1);
    assert.equal(run.text, undefined);
    assert.equal(await s.value(`const shown = display.text("kept"); shown.displayId.length > 0`), "true");
  });

  it("a handle's update() sends update_display_data with the same display_id", async () => {
    const run = await s.run(`const h = display.text("step 0");\nfor (let i = 1; i <= 2; i++) h.update(\`step \${i}\`);`);
    const [shown, ...updates] = run.outputs;
    assert.equal(shown?.type, "display_data");
    const id = shown?.type === "display_data" ? shown.transient?.display_id : undefined;
    assert.ok(id);
    assert.deepEqual(updates.map((u) => (u.type === "update_display_data" ? [u.transient.display_id, u.data["text/plain"]] : u.type)),
      [[id, "step 1"], [id, "step 2"]]);
  });

  it("a display.html handle updates with HTML; a display(value) handle with any value", async () => {
    const run = await s.run(`const hh = display.html("<b>1</b>");\nhh.update("<b>2</b>");\nconst hv = display([1]);\nhv.update({ n: 2 });`);
    const updates = run.outputs.filter((o) => o.type === "update_display_data").map((o) => o.type === "update_display_data" ? o.data : {});
    assert.deepEqual(updates, [{ "text/html": "<b>2</b>", "text/plain": "<HTML output>" }, { "text/plain": "{ n: 2 }" }]);
  });

  it("clearOutput({ wait }) sends clear_output", async () => {
    const run = await s.run(`console.log("x"); clearOutput({ wait: true });`);
    assert.deepEqual(run.outputs.map((o) => o.type), ["stream", "clear_output"]);
    assert.deepEqual(run.outputs[1], { type: "clear_output", wait: true });
  });

  it("a value with [Symbol.for('Jupyter.display')]() shows its bundle plus text/plain", async () => {
    const run = await s.run(`class Card { [Symbol.for("Jupyter.display")]() { return { "text/html": "<i>card</i>" }; } }\nnew Card()`);
    assert.deepEqual(run.outcome.status === "ok" ? run.outcome.result?.data : undefined, { "text/plain": "Card {}", "text/html": "<i>card</i>" });
  });

  it("tslab's display API: tslab.display.* and tslab.newDisplay() updating one output", async () => {
    const run = await s.run(`import * as tslab from "tslab";\ntslab.display.html("<p>hi</p>");\nconst d = tslab.newDisplay();\nd.markdown("one");\nd.markdown("two");`);
    assert.equal(run.outcome.status, "ok", run.traceback);
    const [html, first, second] = run.outputs;
    assert.equal(html?.type === "display_data" ? html.data["text/html"] : undefined, "<p>hi</p>");
    assert.equal(first?.type, "display_data");
    assert.equal(second?.type, "update_display_data");
    const id = first?.type === "display_data" ? first.transient?.display_id : "none";
    assert.equal(second?.type === "update_display_data" ? second.transient.display_id : "", id);
    assert.equal(second?.type === "update_display_data" ? second.data["text/markdown"] : "", "two");
  });

  it("input() and password() go through CellIO.input and are awaitable", async () => {
    s.inputs.push("Ada", "secret");
    const run = await s.run(`const who = await input("name? ");\nconst pw = await password("pw? ");\n[who, pw.length]`);
    assert.equal(run.text, "[ 'Ada', 6 ]", run.traceback);
  });

  it("user_expressions are evaluated after the cell, each ok or error", async () => {
    const run = await s.run(`const ux = 21;`, { double: "ux * 2", typed: "(ux as number).toFixed(1)", object: "{ a: ux }", broken: "nope.x" });
    assert.equal(run.outcome.status, "ok");
    if (run.outcome.status !== "ok") return;
    assert.deepEqual(run.outcome.userExpressions["double"], { status: "ok", data: { "text/plain": "42" }, metadata: {} });
    assert.deepEqual(run.outcome.userExpressions["typed"], { status: "ok", data: { "text/plain": "'21.0'" }, metadata: {} });
    assert.deepEqual(run.outcome.userExpressions["object"], { status: "ok", data: { "text/plain": "{ a: 21 }" }, metadata: {} });
    const broken = run.outcome.userExpressions["broken"];
    assert.equal(broken?.status, "error");
    assert.equal(broken?.status === "error" ? broken.ename : "", "ReferenceError");
  });

  it("timers: output lands in the cell while it runs, later on stderr of the next cell with a note", async () => {
    const during = await s.run(`setTimeout(() => console.log("during"), 10);\nawait new Promise((r) => setTimeout(r, 60));`);
    assert.equal(during.stdout, "during\n");
    const started = await s.run(`setTimeout(() => console.log("after"), 30); 0`);
    assert.equal(started.stdout, "");
    await new Promise((r) => setTimeout(r, 120));
    const next = await s.run(`1`);
    assert.match(next.stderr, /background work of an earlier cell[^\n]*\nafter\n/);
  });

  it("a display update from background work after its cell ended arrives with the next cell", async () => {
    const first = await s.run(`const live = display.text("0");\nsetTimeout(() => live.update("later"), 20); 0`);
    const id = first.outputs[0]?.type === "display_data" ? first.outputs[0].transient?.display_id : undefined;
    await new Promise((r) => setTimeout(r, 100));
    const next = await s.run(`1`);
    const update = next.outputs.find((o) => o.type === "update_display_data");
    assert.equal(update?.type === "update_display_data" ? update.transient.display_id : "", id);
    assert.equal(update?.type === "update_display_data" ? update.data["text/plain"] : "", "later");
  });

  it("an unhandled rejection and an uncaught exception in background work do not kill the session", async () => {
    await s.run(`// @ts-nocheck\nPromise.reject(new Error("rejected later"));\nsetTimeout(() => { throw new Error("thrown later"); }, 5); 0`);
    await new Promise((r) => setTimeout(r, 80));
    const next = await s.run(`"alive"`);
    assert.equal(next.text, "'alive'");
    const stderr = stripAnsi(next.stderr);
    assert.match(stderr, /unhandled promise rejection[\s\S]*Cell In\[\d+\], line 2[\s\S]*Error: rejected later/);
    assert.match(stderr, /uncaught exception[\s\S]*Cell In\[\d+\], line 3[\s\S]*Error: thrown later/);
  });
});
