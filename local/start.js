#!/usr/bin/env node
// `npm start`: says so at once, then runs local/main.ts compiled by esbuild into one CommonJS file,
// .local-build/main.js (npm packages stay in node_modules and load from there). Compiling the TypeScript at every
// start (ts-node) cost about 4 s of CPU before the first line; the bundle loads in about 1.5 s (npm run bench,
// start-up). The bundle is made on the first start and again whenever a source it was made from changed (its
// inputs, listed by esbuild, are newer than the build), so an edit shows at the next start, as with ts-node.
"use strict";
const { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = require("node:fs");
const { join, resolve } = require("node:path");

const args = process.argv.slice(2);
if (!args.includes("--help") && !args.includes("-h")) process.stdout.write("fileshare: starting…\n");

const ROOT = resolve(__dirname, "..");
// One folder below the root, as local/ is: the sources' `resolve(__dirname, "..")` still names the root.
const OUT_DIR = join(ROOT, ".local-build");
const BUNDLE = join(OUT_DIR, "main.js");
const MANIFEST = join(OUT_DIR, "inputs.json");

/** Whether the bundle was built after the last change to every file it was built from. */
function isCurrent() {
  try {
    const { startedMs, inputs } = JSON.parse(readFileSync(MANIFEST, "utf8"));
    statSync(BUNDLE);
    // With a margin: file systems round modification times (to a second on some), and a save during the build
    // must count as a change.
    return inputs.every((file) => statSync(join(ROOT, file)).mtimeMs < startedMs - 2000);
  } catch {
    return false; // not built yet, or a source is gone: build
  }
}

/** Builds the bundle; files are renamed into place, so a start running meanwhile never reads half a file. */
function build() {
  const startedMs = Date.now();
  const temp = join(OUT_DIR, `main.${process.pid}.tmp.js`);
  mkdirSync(OUT_DIR, { recursive: true });
  const { metafile } = require("esbuild").buildSync({
    absWorkingDir: ROOT,
    entryPoints: ["local/main.ts"],
    outfile: temp,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    packages: "external",
    metafile: true,
    logLevel: "error",
  });
  renameSync(temp, BUNDLE);
  const inputs = Object.keys(metafile.inputs);
  writeFileSync(`${MANIFEST}.${process.pid}.tmp`, JSON.stringify({ startedMs, inputs }));
  renameSync(`${MANIFEST}.${process.pid}.tmp`, MANIFEST);
}

if (!isCurrent()) {
  try {
    build();
  } catch {
    // esbuild has printed what is wrong, with file and line.
    process.stderr.write("fileshare could not start: local/main.ts did not compile (see above).\n");
    process.exit(1);
  }
}
require(BUNDLE).run();
