// The alarm topic, its key and the CloudWatch alarms, for both stacks (resource inputs under Pulumi mocks:
// CloudWatch does not evaluate an alarm here, SNS delivers nothing and KMS evaluates no policy).
import assert from "node:assert/strict";
import { cleanupSilenceSeconds } from "../../infra/alarms/cleanup";
import { loadConfig } from "../../infra/config";
import {
  ACCOUNT_ID,
  buildStack,
  DEPLOYER_VALUES,
  RecordedResource,
  runMocked,
  stackConfigText,
  STACKS,
  StackRun,
  strayFunction,
  buildProgram,
} from "./mocks";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const FUNCTION = "aws:lambda/function:Function";

/** The thresholds each committed stack file sets, written out by hand (not read from the settings). */
const THRESHOLDS = {
  dev: { errors: 5, throttles: 5, api5xxPercent: 10, api4xx: 50, dynamoDb: 10, cleanupSilence: 300 },
  prod: { errors: 1, throttles: 1, api5xxPercent: 1, api4xx: 500, dynamoDb: 1, cleanupSilence: 900 },
} as const;

describe("clean-up silence window (pure)", () => {
  it("is three schedule intervals in whole minutes, and at least 5 minutes", () => {
    assert.equal(cleanupSilenceSeconds(5), 300);
    assert.equal(cleanupSilenceSeconds(60), 300);
    assert.equal(cleanupSilenceSeconds(300), 900);
    assert.equal(cleanupSilenceSeconds(301), 1080);
    assert.equal(cleanupSilenceSeconds(900), 2700);
  });
});

/** What is wrong with the function alarms: one line per Lambda function in the program that lacks its general
 *  Errors or Throttles alarm (5-minute Sum, one period, >= threshold, no data = not breaching). */
function functionAlarmProblems(resources: RecordedResource[], errors: number, throttles: number): string[] {
  const alarms = resources.filter((r) => r.type === ALARM);
  const problems: string[] = [];
  for (const f of resources.filter((r) => r.type === FUNCTION)) {
    for (const [metricName, threshold] of [
      ["Errors", errors],
      ["Throttles", throttles],
    ] as const) {
      const general = alarms.filter(
        (a) =>
          a.inputs["namespace"] === "AWS/Lambda" &&
          a.inputs["metricName"] === metricName &&
          a.inputs["dimensions"]?.FunctionName === f.outputs["name"] &&
          a.inputs["period"] === 300 &&
          a.inputs["evaluationPeriods"] === 1,
      );
      if (general.length !== 1) {
        problems.push(`function ${f.outputs["name"]} has ${general.length} ${metricName} alarms, not 1`);
        continue;
      }
      const inputs = (general[0] as RecordedResource).inputs;
      const got = [inputs["statistic"], inputs["comparisonOperator"], inputs["threshold"], inputs["treatMissingData"]];
      const want = ["Sum", "GreaterThanOrEqualToThreshold", threshold, "notBreaching"];
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        problems.push(`function ${f.outputs["name"]} ${metricName} alarm is ${got.join(" ")}, not ${want.join(" ")}`);
      }
    }
  }
  return problems;
}

for (const stackName of STACKS) {
  describe(`Alarms on ${stackName} (resource inputs under mocks; no alarm evaluated, nothing delivered)`, () => {
    const want = THRESHOLDS[stackName];
    const prefix = `fileshare-${stackName}-`;
    let run: StackRun;
    let topicArn: string;
    let alarms: RecordedResource[];
    const alarm = (id: string) => {
      const found = alarms.filter((a) => a.inputs["name"] === `${prefix}${id}`);
      assert.equal(found.length, 1, `one alarm named ${prefix}${id}`);
      return (found[0] as RecordedResource).inputs;
    };
    before(async () => {
      run = await buildStack(stackName);
      topicArn = run.one("aws:sns/topic:Topic").outputs["arn"];
      alarms = run.ofType(ALARM);
    });

    it("creates one alarm topic, encrypted with the stack's own KMS key (rotated), not the AWS-managed aws/sns", () => {
      const topic = run.one("aws:sns/topic:Topic");
      const key = run.one("aws:kms/key:Key");
      assert.equal(topic.inputs["name"], `${prefix}alarms`);
      assert.equal(topic.inputs["kmsMasterKeyId"], key.outputs["arn"]);
      assert.match(topic.inputs["kmsMasterKeyId"], /^arn:aws:kms:eu-west-1:123456789012:key\//);
      assert.equal(key.inputs["enableKeyRotation"], true);
    });

    it("lets CloudWatch use the key only for this stack's alarms, and the account only manage it", () => {
      const policy = JSON.parse(run.one("aws:kms/key:Key").inputs["policy"]);
      const stackAlarms = {
        StringEquals: { "aws:SourceAccount": ACCOUNT_ID },
        ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:eu-west-1:${ACCOUNT_ID}:alarm:${prefix}*` },
      };
      assert.equal(policy.Statement.length, 2);
      const [manage, publish] = policy.Statement;
      assert.deepEqual(publish, {
        Sid: "StackAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
        Resource: "*",
        Condition: stackAlarms,
      });
      assert.equal(manage.Sid, "AccountManagesKey");
      assert.deepEqual(manage.Principal, { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` });
      assert.ok(manage.Action.includes("kms:PutKeyPolicy"), "the account can always change the policy again");
      for (const use of ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant"]) {
        assert.ok(!manage.Action.includes(use), `the account's statement does not grant ${use}`);
      }
      assert.ok(
        manage.Action.every((a: string) => /^kms:[A-Za-z]+$/.test(a)),
        "no wildcard action",
      );
    });

    it("lets only this stack's alarms publish to the topic (CloudWatch, this account, alarms named <prefix>*)", () => {
      const policy = run.one("aws:sns/topicPolicy:TopicPolicy").inputs;
      assert.equal(policy["arn"], topicArn);
      assert.deepEqual(JSON.parse(policy["policy"]), {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "StackAlarmsPublish",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["sns:Publish"],
            Resource: topicArn,
            Condition: {
              StringEquals: { "aws:SourceAccount": ACCOUNT_ID },
              ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:eu-west-1:${ACCOUNT_ID}:alarm:${prefix}*` },
            },
          },
        ],
      });
    });

    it("subscribes the deployer's alarmEmail (prod requires one: fileshare:production), none when empty (dev)", () => {
      const email = DEPLOYER_VALUES[stackName]["fileshare:alarmEmail"];
      assert.equal(run.config.settings.alarmEmail, email ?? "");
      assert.deepEqual(
        run.ofType("aws:sns/topicSubscription:TopicSubscription").map((s) => s.inputs["endpoint"]),
        email === undefined ? [] : [email],
      );
    });

    it("names every alarm <project>-<stack>-…, within the key and topic policies' pattern, and sends ALARM and OK to the topic", () => {
      assert.ok(alarms.length > 0);
      for (const a of alarms) {
        assert.ok(a.inputs["name"].startsWith(prefix), a.inputs["name"]);
        assert.deepEqual(a.inputs["alarmActions"], [topicArn], a.name);
        assert.deepEqual(a.inputs["okActions"], [topicArn], a.name);
        assert.ok(a.inputs["alarmDescription"].length > 10, `${a.name} says what it means`);
        assert.ok(["notBreaching", "breaching"].includes(a.inputs["treatMissingData"]), `${a.name}: chosen`);
      }
    });

    it(`alarms on every Lambda function's Errors (>= ${want.errors}) and Throttles (>= ${want.throttles}) per 5 minutes`, () => {
      assert.equal(run.ofType(FUNCTION).length, Object.keys(run.app.allFunctions).length, "allFunctions lists all");
      assert.deepEqual(functionAlarmProblems(run.resources, want.errors, want.throttles), []);
    });

    it("alarms as soon as the upload events' failure queue holds a message", () => {
      const queue = run.one("aws:sqs/queue:Queue");
      const dlq = alarm("upload-events-failed");
      assert.equal(dlq["namespace"], "AWS/SQS");
      assert.equal(dlq["metricName"], "ApproximateNumberOfMessagesVisible");
      assert.deepEqual(dlq["dimensions"], { QueueName: queue.outputs["name"] });
      assert.equal(dlq["comparisonOperator"], "GreaterThanThreshold");
      assert.equal(dlq["threshold"], 0);
      assert.equal(dlq["statistic"], "Maximum");
    });

    it(`alarms when the clean-up fails for 15 minutes straight, and when it was not invoked for ${want.cleanupSilence / 60} minutes (no data breaches)`, () => {
      const cleanupName = `fileshare-${stackName}-cleanup`;
      const failing = alarm("cleanup-failing");
      assert.deepEqual(failing["dimensions"], { FunctionName: cleanupName });
      assert.equal(failing["metricName"], "Errors");
      assert.equal(failing["period"], 300);
      assert.equal(failing["evaluationPeriods"], 3);
      assert.equal(failing["datapointsToAlarm"], 3);
      assert.equal(failing["threshold"], 1);
      const silent = alarm("cleanup-not-running");
      assert.deepEqual(silent["dimensions"], { FunctionName: cleanupName });
      assert.equal(silent["metricName"], "Invocations");
      assert.equal(silent["period"], want.cleanupSilence);
      assert.equal(silent["comparisonOperator"], "LessThanThreshold");
      assert.equal(silent["threshold"], 1);
      assert.equal(silent["treatMissingData"], "breaching", "no invocations at all is the failure");
    });

    it(`alarms on >= ${want.dynamoDb} throttled reads plus writes in 5 minutes on the table and on each index`, () => {
      const table = run.outputs.tableName;
      const targets = {
        "dynamodb-throttles-table": { TableName: table },
        "dynamodb-throttles-index-byOwner": { TableName: table, GlobalSecondaryIndexName: "byOwner" },
        "dynamodb-throttles-index-bySweepAt": { TableName: table, GlobalSecondaryIndexName: "bySweepAt" },
      };
      const indexes = run
        .one("aws:dynamodb/table:Table")
        .inputs["globalSecondaryIndexes"].map((i: { name: string }) => i.name);
      assert.deepEqual(indexes, ["byOwner", "bySweepAt"], "every index of the table has its alarm");
      for (const [id, dimensions] of Object.entries(targets)) {
        const inputs = alarm(id);
        const [reads, writes, sum] = inputs["metricQueries"];
        assert.deepEqual(reads.metric, {
          namespace: "AWS/DynamoDB",
          metricName: "ReadThrottleEvents",
          dimensions,
          stat: "Sum",
          period: 300,
        });
        assert.equal(writes.metric.metricName, "WriteThrottleEvents");
        assert.deepEqual(writes.metric.dimensions, dimensions);
        assert.equal(sum.expression, "FILL(reads, 0) + FILL(writes, 0)");
        assert.equal(sum.returnData, true);
        assert.equal(inputs["threshold"], want.dynamoDb);
        assert.equal(inputs["treatMissingData"], "notBreaching");
      }
    });

    it("creates exactly these alarms: two per function, API 5xx and 4xx, the failure queue, two for the clean-up, three for the table", () => {
      assert.equal(alarms.length, 2 * run.ofType(FUNCTION).length + 2 + 1 + 2 + 3);
      assert.equal(new Set(alarms.map((a) => a.inputs["name"])).size, alarms.length, "names are unique");
    });
  });
}

describe("Function alarms, whole program with every optional function (resource inputs under mocks)", function () {
  // Whole-program builds under mocks on a busy machine: a deadline for hangs only.
  this.timeout(600_000);
  it("gives every Lambda function (routes, upload events, clean-up, pre-sign-up trigger, API-key authorizer) an Errors and a Throttles alarm", async () => {
    const config = {
      ...stackConfigText("prod"),
      "fileshare:auth": "cognito",
      "fileshare:apiKeys": "true",
      "fileshare:authEmailDomains": '["acme.internal"]',
    };
    const run = await buildProgram("prod", config);
    const names = run.resources.filter((r) => r.type === FUNCTION).map((f) => f.outputs["name"]);
    assert.ok(names.includes("fileshare-prod-preSignUp"), "the trigger is in the program");
    assert.ok(names.includes("fileshare-prod-keyAuthorizer"), "the authorizer is in the program");
    assert.deepEqual(functionAlarmProblems(run.resources, 1, 1), []);
  });

  it("the check reports a Lambda function without alarms (it can fail)", async () => {
    const run = await runMocked("dev", () => {
      strayFunction();
    });
    assert.deepEqual(functionAlarmProblems(run.resources, 1, 1), [
      "function stray has 0 Errors alarms, not 1",
      "function stray has 0 Throttles alarms, not 1",
    ]);
  });
});

describe("Alarm email by config (resource inputs under mocks; SNS sends no confirmation here)", function () {
  // Whole-program builds under mocks on a busy machine: a deadline for hangs only.
  this.timeout(600_000);
  it("subscribes exactly the configured address to the alarm topic by email", async () => {
    const config = { ...stackConfigText("prod"), "fileshare:alarmEmail": "ops@acme.internal" };
    const run = await buildProgram("prod", config);
    const subscriptions = run.resources.filter((r) => r.type === "aws:sns/topicSubscription:TopicSubscription");
    assert.equal(subscriptions.length, 1);
    const topic = run.resources.find((r) => r.type === "aws:sns/topic:Topic") as RecordedResource;
    assert.deepEqual((subscriptions[0] as RecordedResource).inputs, {
      topic: topic.outputs["arn"],
      protocol: "email",
      endpoint: "ops@acme.internal",
    });
  });

  it("refuses an alarmEmail that is not an email address, naming the key", async () => {
    for (const bad of ["ops", "ops@", "ops@example", "a b@example.com", "<ops@example.com>"]) {
      const config = { ...stackConfigText("dev"), "fileshare:alarmEmail": bad };
      await assert.rejects(
        runMocked("dev", loadConfig, config),
        /fileshare:alarmEmail: .* is not an email address/,
        bad,
      );
    }
  });
});
