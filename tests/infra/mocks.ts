// The infra tests' view of a mocked run: the whole program per stack (memoized), and readers for what it
// recorded. The harness itself (strict mocks, recording, the stacks' config) is the preflight's:
// scripts/preflight/mocks.ts, which `npm run preflight` uses without anything from tests/.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { loadConfig, ProgramConfig } from "../../infra/config";
import { FileShare } from "../../infra/fileshare";
import {
  MockedRun,
  RecordedResource,
  runMocked,
  stackConfigText,
  StackName,
  valueOf,
} from "../../scripts/preflight/mocks";

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

// Pulumi reads the whole node_modules tree (@npmcli/arborist's loadActual) once for every function it serializes,
// to list the packages the archive carries: about a quarter of a whole-program run. The tree does not change while
// the tests run, so a test process reads it once per folder; each archive's packages are still Pulumi's own choice
// from that real tree (it only reads it).
const pulumiRequire = createRequire(require.resolve("@pulumi/pulumi/runtime/closure/codePaths.js"));
const { Arborist } = pulumiRequire("@npmcli/arborist") as {
  Arborist: { prototype: { path: string; loadActual(...args: unknown[]): Promise<unknown> } };
};
const loadActual = Arborist.prototype.loadActual;
const trees = new Map<string, Promise<unknown>>();
Arborist.prototype.loadActual = function (this: { path: string }, ...args: unknown[]) {
  const key = JSON.stringify([resolve(this.path), args]);
  let tree = trees.get(key);
  if (!tree) {
    tree = loadActual.apply(this, args);
    trees.set(key, tree);
    tree.catch(() => trees.delete(key));
  }
  return tree;
};

const builds = new Map<string, Promise<StackRun>>();

/** Builds FileShare for a stack exactly as index.ts does, with `extra` (fileshare:* keys as config text) over the
 *  stack's config. Memoized per test process and config: a test that only reads the recorded resources shares
 *  the run of every other test with the same config (a whole-program run costs ~10 s of CPU). Treat it as read-only.
 *  A failed build fails every test that asks for that config. */
export function buildProgram(stack: StackName, extra: Record<string, string> = {}): Promise<StackRun> {
  const configText = { ...stackConfigText(stack), ...extra };
  const key = JSON.stringify([stack, Object.entries(configText).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
  let build = builds.get(key);
  if (!build) {
    build = (async () => {
      let config: ProgramConfig | undefined;
      const run = await runMocked(
        stack,
        () => {
          config = loadConfig();
          return new FileShare("fileshare", config);
        },
        configText,
      );
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
    builds.set(key, build);
  }
  return build;
}

/** The committed stack as deployed (buildProgram with no extra config; every test file shares one run per stack). */
export function buildStack(stack: StackName): Promise<StackRun> {
  return buildProgram(stack);
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
