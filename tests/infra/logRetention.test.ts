// Log retention on every log group, whole program: every Lambda function the program registers (routes,
// objectCreated, cleanup, and any added later) has its own explicit log group, created first, kept
// logRetentionDays; so does every other log group (the API's access logs). Resource inputs under Pulumi mocks:
// CloudWatch Logs expires nothing here.
import assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import { buildStack, RecordedResource, runMocked, stackConfigText, STACKS, strayFunction, buildProgram } from "./mocks";

const FUNCTION = "aws:lambda/function:Function";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

/** What is wrong with the program's log groups: one line per function or log group that breaks the rule. */
function logGroupProblems(resources: RecordedResource[], days: number): string[] {
  const groups = resources.filter((r) => r.type === LOG_GROUP);
  const problems: string[] = [];
  for (const group of groups) {
    if (group.inputs["retentionInDays"] !== days) {
      problems.push(
        `log group ${group.name} keeps logs ${group.inputs["retentionInDays"] ?? "forever"}, not ${days} days`,
      );
    }
  }
  for (const fn of resources.filter((r) => r.type === FUNCTION)) {
    // Lambda writes to loggingConfig.logGroup when set, else to /aws/lambda/<function name>.
    const target = fn.inputs["loggingConfig"]?.logGroup ?? `/aws/lambda/${fn.outputs["name"]}`;
    const group = groups.find((g) => g.outputs["name"] === target);
    if (!group) {
      problems.push(
        `function ${fn.name} logs to ${target}, which the program does not create (Lambda would, keeping logs forever)`,
      );
    } else if (!fn.dependencies.includes(group.urn)) {
      problems.push(`function ${fn.name} may be created before its log group ${target}`);
    }
  }
  return problems;
}

for (const stackName of STACKS) {
  describe(`Log retention on ${stackName} (whole program under mocks)`, () => {
    it("gives every Lambda function the program registers its own log group, created first, with the stack's retention, and every log group that retention", async () => {
      const run = await buildStack(stackName);
      const days = run.config.settings.logRetentionDays;
      assert.equal(days, stackName === "dev" ? 7 : 90);
      const functions = run.ofType(FUNCTION);
      assert.equal(functions.length, Object.keys(run.app.functions).length, "the scan sees every function");
      assert.deepEqual(logGroupProblems(run.resources, days), []);
      // Distinct groups: no two functions share one.
      const targets = functions.map((f) => f.inputs["loggingConfig"]?.logGroup);
      assert.equal(new Set(targets).size, functions.length);
    });
  });
}

describe("Log retention by config (whole program under mocks)", function () {
  // Whole-program builds under mocks on a busy machine: a deadline for hangs only.
  this.timeout(600_000);
  it("follows logRetentionDays to every log group", async () => {
    const config = { ...stackConfigText("dev"), "fileshare:logRetentionDays": "30" };
    const run = await buildProgram("dev", config);
    assert.ok(run.resources.filter((r) => r.type === LOG_GROUP).length > 0);
    assert.deepEqual(logGroupProblems(run.resources, 30), []);
  });

  it("the scan reports a function without its own log group and a log group without retention (it can fail)", async () => {
    const run = await runMocked("dev", () => {
      strayFunction();
      new aws.cloudwatch.LogGroup("forever", { name: "/custom/forever" });
    });
    assert.deepEqual(logGroupProblems(run.resources, 7), [
      "log group forever keeps logs forever, not 7 days",
      "function stray logs to /aws/lambda/stray, which the program does not create (Lambda would, keeping logs forever)",
    ]);
  });
});
