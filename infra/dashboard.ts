// The stack's CloudWatch dashboard, `<name>-<stack>`: API requests, latency and errors, uploads and downloads
// per hour, the clean-up, the bytes stored, and the state of every alarm. The body is built by a pure function
// (dashboardBody) from plain names, so a test can read it as JSON.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { FunctionName } from "./iam";

/** The names a dashboard needs, resolved. */
export interface DashboardRefs {
  region: string;
  apiName: string;
  stageName: string;
  /** Every function's Lambda name by function. */
  functions: Record<FunctionName, string>;
  bucketName: string;
  alarmArns: string[];
}

// One widget per row half: 12 of the dashboard's 24 columns, 6 rows high.
const W = 12;
const H = 6;

type MetricLine = (string | Record<string, unknown>)[];

/** The dashboard body (CloudWatch's dashboard JSON, as an object). */
export function dashboardBody(refs: DashboardRefs) {
  const api = (metric: string, options: Record<string, unknown>): MetricLine => [
    "AWS/ApiGateway",
    metric,
    "ApiName",
    refs.apiName,
    "Stage",
    refs.stageName,
    options,
  ];
  const lambda = (fn: FunctionName, metric: string, options: Record<string, unknown>): MetricLine => [
    "AWS/Lambda",
    metric,
    "FunctionName",
    refs.functions[fn],
    options,
  ];
  const graph = (x: number, y: number, title: string, metrics: MetricLine[], extra: Record<string, unknown> = {}) => ({
    type: "metric",
    x,
    y,
    width: W,
    height: H,
    properties: { title, region: refs.region, view: "timeSeries", stacked: false, metrics, ...extra },
  });
  const functionNames = Object.keys(refs.functions) as FunctionName[];
  return {
    widgets: [
      graph(0, 0, "API requests per minute", [api("Count", { stat: "Sum", period: 60, label: "requests" })]),
      graph(W, 0, "API latency (ms): p50 and p99", [
        api("Latency", { stat: "p50", period: 60, label: "p50" }),
        api("Latency", { stat: "p99", period: 60, label: "p99" }),
      ]),
      graph(0, H, "API errors per 5 minutes: 4xx and 5xx", [
        api("4XXError", { stat: "Sum", period: 300, label: "4xx" }),
        api("5XXError", { stat: "Sum", period: 300, label: "5xx" }),
      ]),
      graph(
        W,
        H,
        "Function errors per 5 minutes",
        functionNames.map((fn) => lambda(fn, "Errors", { stat: "Sum", period: 300, label: fn })),
      ),
      // Invocations of the functions behind the routes: each POST /uploads starts an upload, each S3 event is
      // an upload that arrived, each POST /files/{id}/download asks for a download URL (refusals included).
      graph(0, 2 * H, "Uploads and downloads per hour", [
        lambda("createUpload", "Invocations", { stat: "Sum", period: 3600, label: "uploads started (POST /uploads)" }),
        lambda("objectCreated", "Invocations", { stat: "Sum", period: 3600, label: "uploads arrived in S3" }),
        lambda("downloadFile", "Invocations", { stat: "Sum", period: 3600, label: "downloads asked for" }),
      ]),
      graph(W, 2 * H, "Clean-up runs and failures", [
        lambda("cleanup", "Invocations", { stat: "Sum", period: 300, label: "runs" }),
        lambda("cleanup", "Errors", { stat: "Sum", period: 300, label: "failed runs" }),
      ]),
      // S3 reports storage once a day.
      graph(
        0,
        3 * H,
        "Bytes stored (daily)",
        [
          [
            "AWS/S3",
            "BucketSizeBytes",
            "BucketName",
            refs.bucketName,
            "StorageType",
            "StandardStorage",
            { stat: "Average", period: 86400, label: "bytes" },
          ],
        ],
        { period: 86400 },
      ),
      {
        type: "alarm",
        x: W,
        y: 3 * H,
        width: W,
        height: H,
        properties: { title: "Alarms", alarms: refs.alarmArns, sortBy: "stateUpdatedTimestamp" },
      },
    ],
  };
}

export interface DashboardArgs {
  stack: string;
  region: pulumi.Input<string>;
  apiName: pulumi.Input<string>;
  stageName: pulumi.Input<string>;
  functions: { readonly [F in FunctionName]: aws.lambda.Function };
  bucketName: pulumi.Input<string>;
  alarms: aws.cloudwatch.MetricAlarm[];
}

export class Dashboard extends pulumi.ComponentResource {
  public readonly dashboard: aws.cloudwatch.Dashboard;

  constructor(name: string, args: DashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fileshare:monitoring:Dashboard", name, {}, opts);
    const fnNames = Object.keys(args.functions) as FunctionName[];
    const body = pulumi
      .all([
        args.region,
        args.apiName,
        args.stageName,
        args.bucketName,
        pulumi.all(fnNames.map((fn) => args.functions[fn].name)),
        pulumi.all(args.alarms.map((a) => a.arn)),
      ])
      .apply(([region, apiName, stageName, bucketName, lambdaNames, alarmArns]) =>
        JSON.stringify(
          dashboardBody({
            region,
            apiName,
            stageName,
            bucketName,
            alarmArns,
            functions: Object.fromEntries(fnNames.map((fn, i) => [fn, lambdaNames[i]])) as Record<FunctionName, string>,
          }),
        ),
      );
    this.dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      { dashboardName: `${name}-${args.stack}`, dashboardBody: body },
      { parent: this },
    );
    this.registerOutputs({ dashboardName: this.dashboard.dashboardName });
  }
}
