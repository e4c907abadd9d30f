#!/usr/bin/env node
// The `tensorbook` command. The code lives in TypeScript under src/cli, compiled to dist/ by `npm run build`
// (npm ci runs it through the prepare script).
"use strict";
const path = require("node:path");
const fs = require("node:fs");
const main = path.join(__dirname, "..", "dist", "src", "cli", "main.js");
if (!fs.existsSync(main)) {
  console.error(`tensorbook: ${main} is missing; build it first with \`npm run build\` in ${path.dirname(__dirname)}`);
  process.exit(1);
}
require(main).main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err instanceof Error ? err.stack : err); process.exitCode = 1; },
);
