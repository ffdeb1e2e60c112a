// `npm run test:static`: the type check, the lint and the format check (package.json's "typecheck", "lint" and
// "format:check" scripts, run as they are written there) at the same time rather than one after the other: each is
// one single-threaded process, so on two cores the three take about as long as the longest. Each one's output is
// printed whole when it ends, with its name and time; the exit code is 1 if any of them failed.
"use strict";
/* global require, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, loaded by node before any TypeScript */
const { spawn } = require("node:child_process");
const { delimiter, join } = require("node:path");

const ROOT = join(__dirname, "..", "..");
const CHECKS = ["typecheck", "lint", "format:check"];
const { scripts } = require(join(ROOT, "package.json"));

function run(name) {
  const started = Date.now();
  return new Promise((resolve) => {
    // What npm run would do: the script's text in a shell, with the project's node_modules/.bin on PATH.
    const child = spawn("sh", ["-c", scripts[name]], {
      cwd: ROOT,
      env: { ...process.env, PATH: [join(ROOT, "node_modules", ".bin"), process.env.PATH].join(delimiter) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("close", (code, signal) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const verdict = code === 0 ? "passed" : `FAILED (${signal ?? `exit ${code}`})`;
      process.stdout.write(`\n> ${name}: ${scripts[name]}\n${output}${name} ${verdict} in ${seconds} s\n`);
      resolve(code === 0);
    });
  });
}

Promise.all(CHECKS.map(run)).then((results) => {
  process.exitCode = results.every(Boolean) ? 0 : 1;
});
