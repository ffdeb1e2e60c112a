#!/usr/bin/env node
// The `fileshare` command (package.json "bin"). `npm ci` compiles the TypeScript CLI to cli/dist/ (the "prepare"
// script); that build is used when it is newer than every source, else the sources run through ts-node. The
// compiled build keeps the TypeScript compiler out of memory (about 55 MB), so a long upload stays small.
"use strict";
const { readdirSync, statSync } = require("node:fs");
const { join } = require("node:path");

// The build keeps the repository's layout (cli/tsconfig.json rootDir ..): the CLI and the contract/ it shares
// with the server.
const dist = join(__dirname, "dist", "cli", "main.js");
const SOURCES = [__dirname, join(__dirname, "..", "contract")];
const newest = Math.max(
  ...SOURCES.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => statSync(join(dir, f)).mtimeMs),
  ),
);
let built = 0;
try {
  built = statSync(dist).mtimeMs;
} catch {
  // not built: run the sources
}
if (built < newest) {
  require("ts-node").register({ transpileOnly: true, project: join(__dirname, "..", "tsconfig.json") });
  require("./main.ts").main(process.argv);
} else {
  require(dist).main(process.argv);
}
