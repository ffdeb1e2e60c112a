// The infra tests' view of a mocked run: the whole program per stack (memoized), and readers for what it
// recorded. The harness itself (strict mocks, recording, the stacks' config) is the preflight's:
// scripts/preflight/mocks.ts, which `npm run preflight` uses without anything from tests/.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig, ProgramConfig } from "../../infra/config";
import { FileShare } from "../../infra/fileshare";
import { MockedRun, RecordedResource, runMocked, StackName, valueOf } from "../../scripts/preflight/mocks";

export * from "../../scripts/preflight/mocks";

/** The whole program for one stack, built once per test process. */
export interface StackRun extends MockedRun<FileShare> {
  stack: StackName;
  config: ProgramConfig;
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
      let config: ProgramConfig | undefined;
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
        config: config as ProgramConfig,
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
