// Per-file cost of the suite, for tuning its speed: with FILESHARE_TEST_PROFILE=<file>, each test file's wall time
// and CPU seconds (the test process and every process under it: CLI children, Chromium, `npm start`) are appended
// to <file> as one JSON line, and so is each test's (with its beforeEach/afterEach hooks; a suite's before/after
// count to the file). The time between two files in one process is the next file's loading. Off (no hooks)
// without the variable. In parallel mode mocha runs root hooks once per file, which makes this per file.
"use strict";
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, loaded by node before any TypeScript */
const { appendFileSync, readFileSync, readdirSync } = require("node:fs");

const OUT = process.env.FILESHARE_TEST_PROFILE;
const TICK = 100; // clock ticks per second (Linux USER_HZ)

/** utime+stime+cutime+cstime of one process, in ticks, and its parent pid (from /proc/<pid>/stat). */
function stat(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { ppid: Number(fields[1]), ticks: fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0) };
}

/** CPU seconds of this process, its reaped children and every live descendant. */
function treeCpu() {
  const parents = new Map();
  const ticks = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const s = stat(name);
      parents.set(Number(name), s.ppid);
      ticks.set(Number(name), s.ticks);
    } catch {
      // the process ended meanwhile
    }
  }
  let total = 0;
  for (const [pid, t] of ticks) {
    for (let p = pid; p > 1; p = parents.get(p) ?? 0) {
      if (p === process.pid) {
        total += t;
        break;
      }
    }
  }
  return total / TICK;
}

// The previous file's end (or this worker's start): the time until a file's first hook is spent loading it.
let last = OUT ? { wall: Date.now(), cpu: treeCpu() } : undefined;
let start;
let testStart;
module.exports = OUT
  ? {
      mochaHooks: {
        beforeAll() {
          start = { wall: Date.now(), cpu: treeCpu() };
        },
        beforeEach() {
          testStart = { wall: Date.now(), cpu: treeCpu() };
        },
        afterEach() {
          const line = {
            test: this.currentTest?.fullTitle(),
            file: this.currentTest?.file,
            wall: (Date.now() - testStart.wall) / 1000,
            cpu: treeCpu() - testStart.cpu,
          };
          appendFileSync(OUT, JSON.stringify(line) + "\n");
        },
        afterAll() {
          const file = this.test?.parent?.suites?.[0]?.file ?? "?";
          const tests = countTests(this.test?.parent);
          const end = { wall: Date.now(), cpu: treeCpu() };
          const line = {
            file,
            pid: process.pid,
            tests,
            loadWall: (start.wall - last.wall) / 1000,
            loadCpu: start.cpu - last.cpu,
            wall: (end.wall - start.wall) / 1000,
            cpu: end.cpu - start.cpu,
          };
          last = end;
          appendFileSync(OUT, JSON.stringify(line) + "\n");
        },
      },
    }
  : {};

function countTests(suite) {
  if (!suite) return 0;
  return suite.tests.length + suite.suites.reduce((n, s) => n + countTests(s), 0);
}
