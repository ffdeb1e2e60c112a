// Runs the Pulumi program under strict mocks and records every resource it registers: type, name, inputs
// and the options the engine would see (parent, protect, retainOnDelete, dependencies). Nothing here proves
// what AWS would do with those inputs; it proves what the program asks for.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { loadConfig, StackConfig } from "../../infra/config";
import { FileShare } from "../../infra/fileshare";

export const ROOT = join(__dirname, "..", "..");
export const ACCOUNT_ID = "123456789012";
export type StackName = "dev" | "prod";
export const STACKS: readonly StackName[] = ["dev", "prod"];

/** One registered resource (custom or component) as the engine would see it. */
export interface RecordedResource {
  type: string;
  name: string;
  urn: string;
  /** The physical id the mock provider gave it. */
  id: string;
  custom: boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  inputs: Record<string, any>;
  /** What the mock provider answered (names, ARNs, URLs), as the program saw them. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  outputs: Record<string, any>;
  parent: string;
  protect: boolean | undefined;
  retainOnDelete: boolean | undefined;
  deleteBeforeReplace: boolean;
  dependencies: string[];
  /** Input properties whose changes the engine would ignore after creation. */
  ignoreChanges: string[];
}

/** Reads a YAML file of the project. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function readYaml(file: string): any {
  return parse(readFileSync(join(ROOT, file), "utf8"));
}

const asConfigText = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

/** What a deployer must add to a committed stack file before `pulumi up` (fileshare:production refuses to deploy
 *  without it; docs/deploy.md). The tests build each stack as it would be deployed, with these set. */
export const DEPLOYER_VALUES: Readonly<Record<StackName, Record<string, string>>> = {
  dev: {},
  prod: { "fileshare:alarmEmail": "ops@fileshare.internal" },
};

/** The config the Pulumi CLI would hand the program: Pulumi.yaml defaults overlaid by the stack file and the
 *  deployer's values, as text. */
export function stackConfigText(stack: StackName): Record<string, string> {
  return { ...committedConfigText(stack), ...DEPLOYER_VALUES[stack] };
}

/** Pulumi.yaml defaults overlaid by the committed stack file alone, as text. */
export function committedConfigText(stack: string): Record<string, string> {
  const project = readYaml("Pulumi.yaml") as { config: Record<string, { default?: unknown }> };
  const file = readYaml(`Pulumi.${stack}.yaml`) as { config: Record<string, unknown> };
  const out: Record<string, string> = {};
  for (const [key, spec] of Object.entries(project.config)) {
    if (spec.default !== undefined) out[key] = asConfigText(spec.default);
  }
  for (const [key, value] of Object.entries(file.config)) out[key] = asConfigText(value);
  return out;
}

function autoName(name: string): string {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `${name.toLowerCase()}-${h.toString(16).padStart(8, "0").slice(0, 7)}`;
}

/** Plausible provider outputs for the resources whose ARNs and names the program passes on. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function mockState(type: string, name: string, inputs: Record<string, any>, region: string) {
  const named = (key: string): string => (inputs[key] as string | undefined) ?? autoName(name);
  switch (type) {
    case "aws:s3/bucket:Bucket": {
      const bucket = named("bucket");
      return { id: bucket, state: { ...inputs, bucket, arn: `arn:aws:s3:::${bucket}` } };
    }
    case "aws:dynamodb/table:Table": {
      const n = named("name");
      return { id: n, state: { ...inputs, name: n, arn: `arn:aws:dynamodb:${region}:${ACCOUNT_ID}:table/${n}` } };
    }
    case "aws:iam/role:Role": {
      const n = named("name");
      return { id: n, state: { ...inputs, name: n, arn: `arn:aws:iam::${ACCOUNT_ID}:role/${n}` } };
    }
    case "aws:cloudwatch/logGroup:LogGroup": {
      const n = named("name");
      return { id: n, state: { ...inputs, name: n, arn: `arn:aws:logs:${region}:${ACCOUNT_ID}:log-group:${n}` } };
    }
    case "aws:lambda/function:Function": {
      const n = named("name");
      const arn = `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${n}`;
      const invokeArn = `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`;
      return { id: n, state: { ...inputs, name: n, arn, invokeArn } };
    }
    case "aws:cloudwatch/eventRule:EventRule": {
      const n = named("name");
      return { id: n, state: { ...inputs, name: n, arn: `arn:aws:events:${region}:${ACCOUNT_ID}:rule/${n}` } };
    }
    case "aws:cloudwatch/eventBus:EventBus": {
      const n = named("name");
      return { id: n, state: { ...inputs, name: n, arn: `arn:aws:events:${region}:${ACCOUNT_ID}:event-bus/${n}` } };
    }
    case "aws:lambda/layerVersion:LayerVersion": {
      const layerArn = `arn:aws:lambda:${region}:${ACCOUNT_ID}:layer:${named("layerName")}`;
      return { id: `${layerArn}:1`, state: { ...inputs, layerArn, arn: `${layerArn}:1`, version: "1" } };
    }
    case "aws:sqs/queue:Queue": {
      const n = named("name");
      const url = `https://sqs.${region}.amazonaws.com/${ACCOUNT_ID}/${n}`;
      return { id: url, state: { ...inputs, name: n, url, arn: `arn:aws:sqs:${region}:${ACCOUNT_ID}:${n}` } };
    }
    case "aws:cloudwatch/metricAlarm:MetricAlarm": {
      const n = named("name");
      return { id: n, state: { ...inputs, arn: `arn:aws:cloudwatch:${region}:${ACCOUNT_ID}:alarm:${n}` } };
    }
    case "aws:sns/topic:Topic": {
      const arn = `arn:aws:sns:${region}:${ACCOUNT_ID}:${named("name")}`;
      return { id: arn, state: { ...inputs, arn } };
    }
    case "aws:kms/key:Key": {
      const keyId = `mock-key-${autoName(name).slice(-7)}`;
      return { id: keyId, state: { ...inputs, keyId, arn: `arn:aws:kms:${region}:${ACCOUNT_ID}:key/${keyId}` } };
    }
    case "aws:apigateway/restApi:RestApi": {
      const id = autoName(name)
        .replace(/[^a-z0-9]/g, "")
        .slice(-10);
      const executionArn = `arn:aws:execute-api:${region}:${ACCOUNT_ID}:${id}`;
      return { id, state: { ...inputs, executionArn, rootResourceId: "root000001" } };
    }
    case "aws:wafv2/webAcl:WebAcl": {
      const id = `${name}-id`;
      return {
        id,
        state: { ...inputs, arn: `arn:aws:wafv2:${region}:${ACCOUNT_ID}:regional/webacl/${inputs["name"]}/${id}` },
      };
    }
    case "aws:cognito/userPool:UserPool": {
      const id = `${region}_Mock${name.replace(/[^A-Za-z0-9]/g, "").slice(-6)}`;
      const arn = `arn:aws:cognito-idp:${region}:${ACCOUNT_ID}:userpool/${id}`;
      return { id, state: { ...inputs, arn, endpoint: `cognito-idp.${region}.amazonaws.com/${id}` } };
    }
    case "aws:apigateway/stage:Stage": {
      // Like AWS: the invoke URL has no trailing slash.
      const invokeUrl = `https://${inputs["restApi"]}.execute-api.${region}.amazonaws.com/${inputs["stageName"]}`;
      const arn = `arn:aws:apigateway:${region}::/restapis/${inputs["restApi"]}/stages/${inputs["stageName"]}`;
      return { id: `${name}-id`, state: { ...inputs, invokeUrl, arn } };
    }
    default:
      return { id: `${name}-id`, state: inputs };
  }
}

/** The part of the SDK's mock monitor this harness hooks into (pinned @pulumi/pulumi 3.248). */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  getObject(): any;
  getParent(): string;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getDeletebeforereplace(): boolean;
  getDependenciesList(): string[];
  getIgnorechangesList(): string[];
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Callback = (err: unknown, response?: { getUrn(): string; getId(): string; getObject(): any }) => void;
interface HookableMonitor {
  registerResource(req: RegisterRequest, callback: Callback): Promise<void>;
}

// The SDK's own "every registration has finished" signal (what `pulumi up` waits for before exiting).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };

/** What a mocked run registered and which provider functions it tried to call. */
export interface MockedRun<T> {
  result: T;
  resources: RecordedResource[];
  /** Invokes that the strict `call` mock refused (it throws on every invoke: this program needs none). */
  unexpectedCalls: string[];
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `program` under strict mocks for a stack's config and waits for every registration. Runs never
 * overlap: the Pulumi runtime state is global to the process.
 */
export function runMocked<T>(
  stack: string,
  program: () => T,
  config: Record<string, string> = stackConfigText(stack as StackName),
): Promise<MockedRun<T>> {
  const next = queue.then(() => runNow(stack, program, config));
  queue = next.catch(() => undefined);
  return next;
}

async function runNow<T>(stack: string, program: () => T, config: Record<string, string>) {
  const region = config["aws:region"] ?? "eu-west-1";
  const resources: RecordedResource[] = [];
  const unexpectedCalls: string[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => mockState(args.type, args.name, args.inputs, region),
      call: (args) => {
        unexpectedCalls.push(args.token);
        throw new Error(`unexpected provider function call ${args.token}`);
      },
    },
    "fileshare",
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(config);
  const monitor = pulumi.runtime.getMonitor() as unknown as HookableMonitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) =>
    register(req, (err, response) => {
      if (!err && response) {
        resources.push({
          type: req.getType(),
          name: req.getName(),
          urn: response.getUrn(),
          id: response.getId(),
          custom: req.getCustom(),
          inputs: pulumi.runtime.deserializeProperties(req.getObject()),
          outputs: pulumi.runtime.deserializeProperties(response.getObject()),
          parent: req.getParent(),
          protect: req.getProtect(),
          retainOnDelete: req.getRetainondelete(),
          deleteBeforeReplace: req.getDeletebeforereplace(),
          dependencies: req.getDependenciesList(),
          ignoreChanges: req.getIgnorechangesList(),
        });
      }
      callback(err, response);
    });
  const result = program();
  await waitForRPCs();
  return { result, resources, unexpectedCalls };
}

/** The signature Pulumi puts on a secret value in registered inputs (`{<sig key>: SECRET_SIG, value}`). */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** True when a recorded input value is marked secret (so the engine encrypts it in the state). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function isSecretInput(value: any): boolean {
  return typeof value === "object" && value !== null && Object.values(value).includes(SECRET_SIG) && "value" in value;
}

/** A recorded input value without its secret marking. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function unsecret(value: any): any {
  return isSecretInput(value) ? value.value : value;
}

/** Resolves an Output to its value (await it; never assert inside `apply`). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

/** The whole program for one stack, built once per test process. */
export interface StackRun extends MockedRun<FileShare> {
  stack: StackName;
  config: StackConfig;
  app: FileShare;
  outputs: { apiUrl: string; bucketName: string; tableName: string };
  ofType(type: string): RecordedResource[];
  /** The one resource of `type` whose name is `name`; throws when there is not exactly one. */
  one(type: string, name?: string): RecordedResource;
}

const builds = new Map<StackName, Promise<StackRun>>();

/** Builds FileShare for a stack exactly as index.ts does (memoized: every test file shares one run per stack). */
export function buildStack(stack: StackName): Promise<StackRun> {
  let build = builds.get(stack);
  if (!build) {
    build = (async () => {
      let config: StackConfig | undefined;
      const run = await runMocked(stack, () => {
        config = loadConfig();
        return new FileShare("fileshare", config);
      });
      const app = run.result;
      const [apiUrl, bucketName, tableName] = await Promise.all([
        valueOf(app.apiUrl),
        valueOf(app.bucketName),
        valueOf(app.tableName),
      ]);
      const ofType = (type: string) => run.resources.filter((r) => r.type === type);
      const one = (type: string, name?: string) => {
        const found = ofType(type).filter((r) => name === undefined || r.name === name);
        if (found.length !== 1) throw new Error(`expected one ${type} ${name ?? ""}, found ${found.length}`);
        return found[0] as RecordedResource;
      };
      return {
        ...run,
        stack,
        config: config as StackConfig,
        app,
        outputs: { apiUrl, bucketName, tableName },
        ofType,
        one,
      };
    })();
    builds.set(stack, build);
  }
  return build;
}

/** Every IAM policy document found anywhere in a resource's inputs (JSON text or objects with Statement). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function policyDocuments(value: unknown): { Statement: any[] }[] {
  if (typeof value === "string") {
    if (!value.includes("Statement")) return [];
    try {
      return policyDocuments(JSON.parse(value));
    } catch {
      return [];
    }
  }
  if (Array.isArray(value)) return value.flatMap(policyDocuments);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (Array.isArray(record["Statement"])) return [record as { Statement: unknown[] }];
    return Object.values(record).flatMap(policyDocuments);
  }
  return [];
}

/** A statement's field as a list (IAM allows a single string or a list). */
export function asList(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** A Lambda function outside the FileShare component (no alarms, no log group of its own): what the whole-program
 *  checks must report, to show they can fail. Call it inside a runMocked program. */
export function strayFunction(): aws.lambda.Function {
  const role = new aws.iam.Role("stray-role", { assumeRolePolicy: "{}" });
  return new aws.lambda.Function("stray", {
    name: "stray",
    role: role.arn,
    runtime: "nodejs22.x",
    handler: "index.handler",
    code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset("exports.handler = 1;") }),
  });
}
