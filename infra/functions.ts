// One Lambda function per route plus the S3 ObjectCreated handler, each with its own role, its own
// inline least-privilege policy (infra/iam.ts) and its own log group with retention.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { randomBytes } from "node:crypto";
import { runtimeConfig, toEnvironment } from "../config/runtime";
import { Settings } from "../config/schema";
import { LOG_KEY_ENV } from "../handlers/log";
import { apiFunctionFactory, objectCreatedFunctionFactory, pageFunctionFactory } from "../handlers/lambda";
import { dependencies } from "../package.json";
import { UPLOAD_PREFIX } from "../handlers/objects";
import type { Route } from "../handlers/routes";
import { assumeRolePolicyFor, FunctionName, functionPolicy } from "./iam";

/** API Gateway gives up after 29 s; our handlers make two or three AWS calls. */
export const FUNCTION_TIMEOUT_SECONDS = 10;
/** Lambda gives CPU in proportion to memory; 256 MB keeps cold starts of the SDK v3 clients short. */
export const FUNCTION_MEMORY_MB = 256;
export const FUNCTION_RUNTIME = aws.lambda.Runtime.NodeJS22dX;

/** Every function of the stack by name; `code` is the serialized CallbackFunction archive. */
export type FunctionMap = { readonly [F in FunctionName]: aws.lambda.Function };

/** Functions that read no stored data, with their own factory: their code needs no AWS SDK, so their archives
 *  leave out every runtime package (a few KB instead of ~3.6 MB, and a faster cold start). */
const DATA_FREE_FUNCTIONS: Partial<Record<FunctionName, () => aws.lambda.CallbackFactory<never, unknown>>> = {
  page: pageFunctionFactory,
};

/** Every package a CallbackFunction would otherwise pack: package.json's dependencies, less @pulumi's. */
export const RUNTIME_PACKAGES = Object.keys(dependencies).filter((name) => !name.startsWith("@pulumi/"));

/** The Lambda function name `<prefix>-<stack>-<function>`: fixed, so its log group can be created first. */
export function lambdaFunctionName(prefix: string, stack: string, fn: FunctionName): string {
  const name = `${prefix}-${stack}-${fn}`;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    throw new Error(
      `Lambda function name "${name}" is not valid: use a stack name of letters, digits, "-" and "_" that keeps it within 64 characters.`,
    );
  }
  return name;
}

export interface FunctionsArgs {
  settings: Settings;
  stack: string;
  routes: readonly Route[];
  bucket: aws.s3.Bucket;
  table: aws.dynamodb.Table;
}

/** The Lambda functions, and the bucket notification that calls objectCreated for new uploads. */
export class Functions extends pulumi.ComponentResource {
  public readonly functions: FunctionMap;
  /** The SecureString that holds the stack's log key (see createLogKey). */
  public readonly logKey: aws.ssm.Parameter;

  constructor(name: string, args: FunctionsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fileshare:functions:Functions", name, {}, opts);
    // Deploy-time values reach the code as environment variables, never inside the serialized closure.
    const environment = pulumi
      .all([args.bucket.bucket, args.table.name])
      .apply(([bucketName, tableName]) => toEnvironment(runtimeConfig(args.settings, bucketName, tableName)));
    this.logKey = this.createLogKey(name, args.stack);
    // The functions that read data log about shares and get the log key; the result is a secret output, so the
    // whole environment is encrypted in the Pulumi state.
    const withLogKey = pulumi
      .all([environment, this.logKey.value])
      .apply(([env, key]): Record<string, string> => ({ ...env, [LOG_KEY_ENV]: key }));
    const create = (fn: FunctionName, factory: aws.lambda.CallbackFactory<never, unknown>) =>
      this.createFunction(name, fn, factory, args, DATA_FREE_FUNCTIONS[fn] ? environment : withLogKey);
    const routeFunctions = Object.fromEntries(
      args.routes.map((route) => {
        const dataFree = DATA_FREE_FUNCTIONS[route.name];
        return [route.name, create(route.name, dataFree ? dataFree() : apiFunctionFactory(route.handle))];
      }),
    );
    const objectCreated = create("objectCreated", objectCreatedFunctionFactory());
    this.functions = { ...routeFunctions, objectCreated } as FunctionMap;
    this.createUploadSubscription(name, args.bucket, objectCreated);
    this.registerOutputs({});
  }

  private createFunction(
    name: string,
    fn: FunctionName,
    factory: aws.lambda.CallbackFactory<never, unknown>,
    args: FunctionsArgs,
    environment: pulumi.Output<Record<string, string>>,
  ): aws.lambda.CallbackFunction<never, unknown> {
    const functionName = lambdaFunctionName(name, args.stack, fn);
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-${fn}-logs`,
      { name: `/aws/lambda/${functionName}`, retentionInDays: args.settings.logRetentionDays },
      { parent: this },
    );
    const role = new aws.iam.Role(
      `${name}-${fn}-role`,
      { assumeRolePolicy: assumeRolePolicyFor("lambda.amazonaws.com"), description: `Runs ${functionName}` },
      { parent: this },
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-${fn}-policy`,
      {
        role: role.name,
        policy: functionPolicy(fn, { bucketArn: args.bucket.arn, tableArn: args.table.arn, logGroupArn: logGroup.arn }),
      },
      { parent: this },
    );
    return new aws.lambda.CallbackFunction(
      `${name}-${fn}`,
      {
        name: functionName,
        callbackFactory: factory,
        role: role.arn,
        runtime: FUNCTION_RUNTIME,
        // arm64 costs less per GB-second; the code is plain JavaScript with no native modules.
        architectures: ["arm64"],
        timeout: FUNCTION_TIMEOUT_SECONDS,
        memorySize: FUNCTION_MEMORY_MB,
        environment: { variables: environment },
        loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
        codePathOptions: { extraExcludePackages: DATA_FREE_FUNCTIONS[fn] ? RUNTIME_PACKAGES : [] },
      },
      // The log group first (else Lambda creates one without retention), the policy before the first call.
      { parent: this, dependsOn: [logGroup, policy] },
    );
  }

  /**
   * The key of the log fingerprints (handlers/log.ts): 32 random bytes made by the program at the first deploy
   * and kept in an SSM SecureString. `ignoreChanges` keeps the first value for good (the program makes a new one
   * on every run, which must not rotate the key); `pulumi up --replace <urn>` rotates it. Never in code or in the
   * serialized closures: it reaches the functions as a secret environment variable.
   */
  private createLogKey(name: string, stack: string): aws.ssm.Parameter {
    return new aws.ssm.Parameter(
      `${name}-log-key`,
      {
        name: `/fileshare/${stack}/log-fingerprint-key`,
        type: "SecureString",
        value: pulumi.secret(randomBytes(32).toString("base64")),
        description: "Key of the fingerprints that stand for share ids and tokens in the logs",
      },
      { parent: this, ignoreChanges: ["value"] },
    );
  }

  private createUploadSubscription(name: string, bucket: aws.s3.Bucket, fn: aws.lambda.Function): void {
    // Creates a Permission for s3.amazonaws.com scoped to this bucket (parented here) and, on "beforeExit",
    // once per bucket, the BucketNotification (parented to the bucket). The mixin cannot set sourceAccount on
    // the Permission; the bucket ARN it is scoped to names a bucket this stack owns.
    bucket.onObjectCreated(`${name}-uploads-created`, fn, { filterPrefix: UPLOAD_PREFIX }, { parent: this });
  }
}
