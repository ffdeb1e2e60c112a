#!/usr/bin/env node
// The `fileshare` command (package.json "bin"): runs the TypeScript CLI through ts-node (transpile only, no type
// check at start-up), so a clone needs no build step after `npm ci`.
"use strict";
const { join } = require("node:path");
require("ts-node").register({ transpileOnly: true, project: join(__dirname, "..", "tsconfig.json") });
require("./main.ts").main(process.argv);
