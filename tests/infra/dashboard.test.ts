// The CloudWatch dashboard, for both stacks (its body as registered under Pulumi mocks: valid JSON naming the
// stack's own API, functions, bucket and alarms; CloudWatch does not render it here).
import assert from "node:assert/strict";
import { buildStack, STACKS, StackRun } from "./mocks";

interface Widget {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  properties: Record<string, any>;
}

for (const stackName of STACKS) {
  describe(`Dashboard on ${stackName} (its body under mocks; not rendered by CloudWatch)`, () => {
    let run: StackRun;
    let widgets: Widget[];
    const widget = (title: string) => {
      const found = widgets.filter((w) => w.properties["title"] === title);
      assert.equal(found.length, 1, `one widget titled ${title}`);
      return found[0] as Widget;
    };
    /** A widget's metric lines without their options: [namespace, metric, dimension, value, ...]. */
    const lines = (title: string) =>
      (widget(title).properties["metrics"] as unknown[][]).map((line) => line.filter((x) => typeof x === "string"));
    const options = (title: string) =>
      (widget(title).properties["metrics"] as unknown[][]).map((line) => line.find((x) => typeof x === "object"));
    const api = (metric: string) => ["AWS/ApiGateway", metric, "ApiName", `fileshare-${stackName}`, "Stage", stackName];
    const lambda = (fn: string, metric: string) => [
      "AWS/Lambda",
      metric,
      "FunctionName",
      `fileshare-${stackName}-${fn}`,
    ];

    before(async () => {
      run = await buildStack(stackName);
      const dashboard = run.one("aws:cloudwatch/dashboard:Dashboard");
      assert.equal(dashboard.inputs["dashboardName"], `fileshare-${stackName}`);
      widgets = JSON.parse(dashboard.inputs["dashboardBody"]).widgets;
    });

    it("is valid JSON with widgets inside CloudWatch's 24-column grid that do not overlap", () => {
      assert.ok(widgets.length >= 8);
      const cells = new Set<string>();
      for (const w of widgets) {
        assert.ok(w.x >= 0 && w.x + w.width <= 24, `${w.properties["title"]} fits the grid`);
        for (let x = w.x; x < w.x + w.width; x++) {
          for (let y = w.y; y < w.y + w.height; y++) {
            assert.ok(!cells.has(`${x},${y}`), `${w.properties["title"]} overlaps at ${x},${y}`);
            cells.add(`${x},${y}`);
          }
        }
        if (w.type === "metric") assert.equal(w.properties["region"], "eu-west-1", "the stack's region");
      }
    });

    it("shows the stage's request rate per minute and its latency p50 and p99", () => {
      assert.deepEqual(lines("API requests per minute"), [api("Count")]);
      assert.deepEqual(options("API requests per minute"), [{ stat: "Sum", period: 60, label: "requests" }]);
      assert.deepEqual(lines("API latency (ms): p50 and p99"), [api("Latency"), api("Latency")]);
      assert.deepEqual(
        options("API latency (ms): p50 and p99").map((o) => (o as { stat: string }).stat),
        ["p50", "p99"],
      );
    });

    it("shows 4xx and 5xx, and every function's errors", () => {
      assert.deepEqual(lines("API errors per 5 minutes: 4xx and 5xx"), [api("4XXError"), api("5XXError")]);
      const names = Object.keys(run.app.functions).sort();
      const shown = lines("Function errors per 5 minutes").map((l) => l[3]);
      assert.deepEqual(shown.sort(), names.map((fn) => `fileshare-${stackName}-${fn}`).sort());
    });

    it("shows uploads started, uploads arrived and downloads per hour, from those functions' invocations", () => {
      const title = "Uploads and downloads per hour";
      assert.deepEqual(lines(title), [
        lambda("createUpload", "Invocations"),
        lambda("objectCreated", "Invocations"),
        lambda("downloadFile", "Invocations"),
      ]);
      for (const o of options(title))
        assert.deepEqual([(o as { period: number }).period, (o as { stat: string }).stat], [3600, "Sum"]);
    });

    it("shows the bytes stored in the files bucket, daily", () => {
      const title = "Bytes stored (daily)";
      assert.deepEqual(lines(title), [
        ["AWS/S3", "BucketSizeBytes", "BucketName", run.outputs.bucketName, "StorageType", "StandardStorage"],
      ]);
      assert.equal((options(title)[0] as { period: number }).period, 86400);
    });

    it("shows the clean-up's runs and failures, and the state of every alarm of the stack", () => {
      assert.deepEqual(lines("Clean-up runs and failures"), [
        lambda("cleanup", "Invocations"),
        lambda("cleanup", "Errors"),
      ]);
      const alarmArns = run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.outputs["arn"]);
      assert.ok(alarmArns.every((arn) => typeof arn === "string" && arn.startsWith("arn:aws:cloudwatch:")));
      assert.deepEqual([...widget("Alarms").properties["alarms"]].sort(), alarmArns.sort());
    });
  });
}
