// `npm run bench -- NAME [args]` runs one benchmark (dist/bench/NAME.js); with no NAME, lists them.
// Each benchmark prints its figures beside a peer's measured in the same run (numpy, PyTorch, ipykernel,
// tslab, Chromium's plotly.js), as ratios; see the header comment of each file for what it needs.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const benches = fs.readdirSync(__dirname)
  .filter((file) => file.endsWith(".js") && file !== "run.js" && file !== "stats.js") // stats.js: shared helpers
  .map((file) => file.slice(0, -".js".length))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (name === undefined || !benches.includes(name)) {
  if (name !== undefined) console.error(`bench: no benchmark named '${name}'`);
  console.log(`usage: npm run bench -- <${benches.join(" | ")}> [args]`);
  process.exit(name === undefined ? 0 : 2);
}
const result = spawnSync(process.execPath, [path.join(__dirname, `${name}.js`), ...args], { stdio: "inherit" });
process.exit(result.status ?? 1);
