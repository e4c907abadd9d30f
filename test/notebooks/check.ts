// What every executed tutorial notebook must show (issue 8, "Done when"): every code cell ran, no error
// output, and every plot output carries its plotly JSON, a PNG snapshot that is not blank, and text/plain
// (never text/html, which an untrusted notebook blanks out).
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as path from "node:path";
import { joinText, type Notebook } from "../../src/notebook/nbformat";
import { decodePng, inkShare } from "../display/png/decode";

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** Checks `nb` (executed); returns how many plot outputs it has. `where` names it in failures. */
export function checkExecuted(nb: Notebook, where: string): number {
  let plots = 0;
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code" || joinText(cell.source).trim() === "") return;
    const at = `${where}, cell ${i + 1}`;
    assert.equal(typeof cell.execution_count, "number", `${at}: not executed`);
    for (const output of cell.outputs) {
      assert.notEqual(output.output_type, "error", `${at}: ${output.output_type === "error" ? `${output.ename}: ${output.evalue}` : ""}`);
      if (output.output_type !== "display_data" && output.output_type !== "execute_result") continue;
      assert.ok(output.data["text/plain"] !== undefined, `${at}: an output without text/plain`);
      if (output.data[PLOTLY_MIME] === undefined) continue;
      plots += 1;
      const figure = output.data[PLOTLY_MIME] as { data?: unknown[] };
      assert.ok(Array.isArray(figure.data) && figure.data.length > 0, `${at}: a plot without traces`);
      assert.equal(output.data["text/html"], undefined, `${at}: a plot bundle with text/html`);
      const png = output.data["image/png"];
      assert.ok(png !== undefined, `${at}: a plot without its PNG snapshot`);
      const image = decodePng(Buffer.from(joinText(png as string | string[]).replace(/\s/g, ""), "base64"));
      assert.ok(image.width >= 200 && image.height >= 150, `${at}: PNG of ${image.width}×${image.height}`);
      assert.ok(inkShare(image) > 0.01, `${at}: the PNG snapshot is blank (${(inkShare(image) * 100).toFixed(2)}% ink)`);
    }
  });
  return plots;
}

export interface Ran { code: number | null; stdout: string; stderr: string }

/** Runs a command, with a hard time limit (a hung kernel must fail the test, not the CI job). */
export function runCommand(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; limitMs: number }): Promise<Ran> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill("SIGKILL"), options.limitMs);
  return new Promise((resolve) => child.on("close", (code) => { clearTimeout(killer); resolve({ code, stdout, stderr }); }));
}

/** `tensorbook ARGS` from this build (dist/ or dist-*), as a child process. */
export function tensorbook(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; limitMs: number }): Promise<Ran> {
  const main = path.resolve(__dirname, "../../src/cli/main.js");
  const script = `require(${JSON.stringify(main)}).main(process.argv.slice(1)).then((c) => { process.exitCode = c; })`;
  return runCommand(process.execPath, ["-e", script, ...args], options);
}
