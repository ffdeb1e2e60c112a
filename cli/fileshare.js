#!/usr/bin/env node
// The `fileshare` command (the package's "bin"): runs the CLI built to plain JavaScript in dist/main.js (`npm run
// build -w cli`; `npm ci` in a clone and `npm pack` build it). No TypeScript compiler in memory, no ts-node.
"use strict";
let cli;
try {
  cli = require("./dist/main.js");
} catch (e) {
  if (e.code !== "MODULE_NOT_FOUND" || !String(e.message).includes("dist/main.js")) throw e;
  process.stderr.write("fileshare: the CLI is not built; run `npm run build -w cli` in the clone.\n");
  process.exit(1);
}
cli.main(process.argv);
