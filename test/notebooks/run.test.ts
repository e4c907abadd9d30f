// Every tutorial executed headless by `tensorbook run` (in-process runtime, no Jupyter), then its HTML
// export opened in headless Chromium with every plot drawn by plotly.js (issue 8, "Done when").
import { after, before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { haveTool } from "../helpers/tools";
import { Browser } from "../export/chromium";
import { readNotebook } from "../../src/notebook/read";
import { notebookNames, notebooksDir } from "./build";
import { checkExecuted, tensorbook } from "./check";

const chromium = haveTool("chromium");
let browser: Browser | undefined;
const out = fs.mkdtempSync(path.join(os.tmpdir(), "tensorbook-notebooks-"));
before(async () => {
  if (chromium) browser = await Browser.launch();
});
after(async () => {
  await browser?.close();
  fs.rmSync(out, { recursive: true, force: true });
});

/** Opens the page and waits until plotly.js has drawn every plot (its .main-svg) or 30 s have passed. */
async function drawnPlots(html: string): Promise<{ plots: number; drawn: number }> {
  await browser!.open(pathToFileURL(html).href);
  const state = `({ plots: document.querySelectorAll(".plotly-output").length,
    drawn: [...document.querySelectorAll(".plotly-output")].filter((el) => el.querySelector(".main-svg")).length })`;
  for (let tries = 0; ; tries++) {
    const result = await browser!.evaluate<{ plots: number; drawn: number }>(state);
    if (result.drawn === result.plots || tries > 300) return result;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

for (const name of notebookNames()) {
  test(`${name}: tensorbook run executes it without errors; its HTML draws every plot in Chromium`, { timeout: 240_000 }, async () => {
    const ipynb = path.join(out, `${name}.ipynb`);
    const html = path.join(out, `${name}.html`);
    const ran = await tensorbook(["run", path.join(notebooksDir, `${name}.ipynb`), "-o", ipynb, "--html", html], { cwd: out, limitMs: 200_000 });
    assert.equal(ran.code, 0, ran.stderr.slice(-3000));
    assert.match(ran.stdout, new RegExp(`executed notebook: .*${name}\\.ipynb\\nHTML page: +.*${name}\\.html`));
    const plots = checkExecuted(readNotebook(ipynb), `tensorbook run ${name}`);
    if (!chromium) return;
    const errorsBefore = browser!.errors.length;
    assert.deepEqual(await drawnPlots(html), { plots, drawn: plots });
    assert.deepEqual(browser!.errors.slice(errorsBefore), [], "console errors in the exported page");
  });
}
