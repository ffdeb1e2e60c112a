// A minimal Lambda runtime, copied next to a laid-out function archive and run there with plain `node`:
// loads ./__index.js once (the cold start, which runs callbackFactory) and then answers one invocation per
// line of stdin with one JSON line on fd 3, keeping stdout for the function's own logs, as Lambda does.
"use strict";
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node outside the project */
const { writeSync } = require("node:fs");
const { createInterface } = require("node:readline");

const reply = (value) => writeSync(3, JSON.stringify(value) + "\n");
let handler;
try {
  handler = require("./__index.js").handler;
} catch (e) {
  reply({ coldStartError: String(e && e.message) });
  process.exit(1);
}
let n = 0;
let queue = Promise.resolve();
// One invocation at a time, in order, as one Lambda instance handles them.
createInterface({ input: process.stdin }).on("line", (line) => {
  queue = queue.then(async () => {
    const event = JSON.parse(line);
    try {
      const result = await handler(event, { awsRequestId: `serialized-${process.pid}-${++n}` });
      reply({ result });
    } catch (e) {
      reply({ error: String(e && e.message) });
    }
  });
});
