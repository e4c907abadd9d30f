// Builds notebooks/NAME.ipynb from its source notebooks/src/NAME.ts (percent format, src/notebook/percent.ts).
//
//   npx tsc && node dist/test/notebooks/build.js --write [NAME ...]
//   npx tensorbook run notebooks/NAME.ipynb --inplace        # then save the outputs in it
//
// A notebook whose cells already match its source is left alone, outputs and all. The test runner also
// loads this file (it lies under test/); without --write it does nothing.
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../helpers/tools";
import { fromPercent } from "../../src/notebook/percent";
import { readNotebook } from "../../src/notebook/read";
import { writeNotebook } from "../../src/notebook/write";
import { joinText, type Notebook } from "../../src/notebook/nbformat";

export const notebooksDir = path.join(repoRoot, "notebooks");

/** The tutorial names, from notebooks/src/*.ts. */
export function notebookNames(): string[] {
  return fs.readdirSync(path.join(notebooksDir, "src")).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3)).sort();
}

export function fromSource(name: string): Notebook {
  return fromPercent(fs.readFileSync(path.join(notebooksDir, "src", `${name}.ts`), "utf8"), name);
}

/** The cells as [type, id, source]: what must agree between a notebook and its source. */
export function cellSources(nb: Notebook): [string, string | undefined, string][] {
  return nb.cells.map((c) => [c.cell_type, c.id, joinText(c.source)]);
}

function build(name: string): void {
  const target = path.join(notebooksDir, `${name}.ipynb`);
  const wanted = fromSource(name);
  if (fs.existsSync(target) && JSON.stringify(cellSources(readNotebook(target))) === JSON.stringify(cellSources(wanted))) {
    console.log(`${name}.ipynb: up to date`);
    return;
  }
  writeNotebook(target, wanted);
  console.log(`${name}.ipynb: written from src/${name}.ts (no outputs yet: run it with --inplace)`);
}

if (require.main === module && process.argv.includes("--write")) {
  const names = process.argv.slice(2).filter((a) => a !== "--write");
  for (const name of names.length > 0 ? names : notebookNames()) build(name);
}
