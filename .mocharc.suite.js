// The whole suite as `npm run test:unit` runs it: .mocharc.json's settings, two files at a time in parallel
// processes, every test file once with the slowest first (tests/support/suiteOrder.js).
"use strict";
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, loaded by node before any TypeScript */
const base = require("./.mocharc.json");
const { suiteOrder } = require("./tests/support/suiteOrder.js");

module.exports = { ...base, parallel: true, jobs: 2, forbidOnly: true, spec: suiteOrder() };
