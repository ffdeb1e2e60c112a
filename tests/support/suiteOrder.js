// The order in which `npm run test:unit` hands the test files to mocha's two parallel jobs: the slowest first, so
// that the two jobs end together instead of one running a long file alone at the end (longest processing time
// first). The rest follow in path order. Measured per file (CPU and wall, each file alone) on a 2-core machine;
// a file missing here only runs later, never not at all (tests/unit/suite-order.test.ts checks both).
"use strict";
/* global require, module, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, loaded by node before any TypeScript */
const { readdirSync } = require("node:fs");
const { join, relative } = require("node:path");

const ROOT = join(__dirname, "..", "..");

/** The slowest files, slowest first (each alone: child processes, a browser, or many round trips). */
const SLOWEST_FIRST = [
  "tests/cli/ux.test.ts",
  "tests/cli/cli.test.ts",
  "tests/browser/sign-in.test.ts",
  "tests/browser/multipart.test.ts",
  "tests/browser/page-ux.test.ts",
  "tests/handlers/delete-race.test.ts",
  "tests/cli/hostile.test.ts",
  "tests/browser/share.test.ts",
  "tests/auth/restricted.test.ts",
  "tests/cli/signIn.test.ts",
  "tests/local/walkthrough.test.ts",
  "tests/lambda/serialized.test.ts",
  "tests/browser/limits-cancel.test.ts",
  "tests/capacity/flows.test.ts",
  "tests/emulator/writes.test.ts",
  "tests/cli/package.test.ts",
  "tests/cleanup/shards.test.ts",
  "tests/emulator/multipart.test.ts",
  "tests/lambda/signedIn.test.ts",
  "tests/cli/edges.test.ts",
];

/** Every *.test.ts under tests/, project-relative, in path order. */
function allTestFiles(dir = join(ROOT, "tests")) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return allTestFiles(path);
      return entry.name.endsWith(".test.ts") ? [relative(ROOT, path)] : [];
    })
    .sort();
}

/** Every test file exactly once: the slowest first, then the rest. A listed file that no longer exists is an
 *  error (rename it here too), not a silent change of order. */
function suiteOrder() {
  const all = allTestFiles();
  const gone = SLOWEST_FIRST.filter((file) => !all.includes(file));
  if (gone.length > 0) {
    throw new Error(`tests/support/suiteOrder.js lists test files that do not exist: ${gone.join(", ")}`);
  }
  return [...SLOWEST_FIRST, ...all.filter((file) => !SLOWEST_FIRST.includes(file))];
}

module.exports = { allTestFiles, suiteOrder, SLOWEST_FIRST };
