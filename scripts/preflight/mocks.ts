// Runs the Pulumi program under strict mocks and records every resource it registers: type, name, inputs
// and the options the engine would see (parent, protect, retainOnDelete, dependencies). Nothing here proves
// what AWS would do with those inputs; it proves what the program asks for. The preflight runs on it, and so do
// the infra tests (tests/infra/mocks.ts adds their whole-stack builds).
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

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
    case "aws:acm/certificate:Certificate": {
      const arn = `arn:aws:acm:${region}:${ACCOUNT_ID}:certificate/0a1b2c3d-${autoName(name).slice(-7)}`;
      // Like ACM: one CNAME per name, under the name, pointing into acm-validations.aws.
      const option = {
        domainName: inputs["domainName"],
        resourceRecordName: `_3f2a1b.${inputs["domainName"]}.`,
        resourceRecordType: "CNAME",
        resourceRecordValue: "_9c8d7e.mhbtsbpdnt.acm-validations.aws.",
      };
      return { id: arn, state: { ...inputs, arn, domainValidationOptions: [option] } };
    }
    case "aws:route53/record:Record":
      return {
        id: `${inputs["zoneId"]}_${inputs["name"]}_${inputs["type"]}`,
        state: { ...inputs, fqdn: inputs["name"] },
      };
    case "aws:apigateway/domainName:DomainName": {
      // Like API Gateway: the regional name is d-<id>.execute-api.<region>.amazonaws.com.
      const regionalDomainName = `d-${autoName(name).slice(-7)}.execute-api.${region}.amazonaws.com`;
      return { id: inputs["domainName"], state: { ...inputs, regionalDomainName, regionalZoneId: "ZMOCKREGIONAL1" } };
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
