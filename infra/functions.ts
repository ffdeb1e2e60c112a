// One Lambda function per route plus the S3 ObjectCreated function, each with its own role, its own
// inline least-privilege policy (infra/iam.ts) and its own log group with retention. A route's function runs
// exactly that route's handler (handlers/lambda.ts routeFunctionFactory); what it carries follows the route's
// `needs`. The S3 event wiring is infra/uploadEvents.ts.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { randomBytes } from "node:crypto";
import { AuthEndpoints, runtimeConfig, toEnvironment, OTHER_ENV_NAMES } from "../config/runtime";
import { Settings } from "../config/schema";
import { cleanupFunctionFactory, objectCreatedFunctionFactory, routeFunctionFactory } from "../handlers/lambda";
import type { Needs, Route } from "../handlers/routeSpec";
import { FunctionName, functionPolicy } from "./iam";
import { createLambdaFunction, FUNCTION_ARCHITECTURES, FUNCTION_RUNTIME, RUNTIME_PACKAGES } from "./lambdaFunction";
import { SdkLayer } from "./sdkLayer";

/** API Gateway gives up after 29 s; our handlers make two or three AWS calls. */
export const FUNCTION_TIMEOUT_SECONDS = 10;
/** Lambda gives CPU in proportion to memory; 256 MB keeps cold starts of the SDK v3 clients short. */
export const FUNCTION_MEMORY_MB = 256;
/** One clean-up run handles up to cleanupBatchSize shares, a few S3 calls each; well under its claims' lifetime
 *  (handlers/store/sweep.ts CLAIM_SECONDS), so a timed-out run's claims lapse before the next run needs them. */
export const CLEANUP_TIMEOUT_SECONDS = 120;
/** S3 may take minutes to assemble thousands of parts (CompleteMultipartUpload). The client's request still ends
 *  at API Gateway's 29 s, but the function finishes the completion, and the client's retry then finds it done. */
export const COMPLETE_TIMEOUT_SECONDS = 300;

/** Each function's timeout: the route default, longer where one AWS call may legitimately take minutes. */
export function timeoutFor(fn: FunctionName): number {
  if (fn === "cleanup") return CLEANUP_TIMEOUT_SECONDS;
  if (fn === "completeUpload") return COMPLETE_TIMEOUT_SECONDS;
  return FUNCTION_TIMEOUT_SECONDS;
}

/** The clean-up schedule's rate: the interval rounded up to whole minutes (EventBridge's smallest unit). */
export function cleanupScheduleExpression(intervalSeconds: number): string {
  const minutes = Math.max(1, Math.ceil(intervalSeconds / 60));
  return `rate(${minutes} ${minutes === 1 ? "minute" : "minutes"})`;
}

/** Every function of the stack by name; `code` is the serialized CallbackFunction archive. */
export type FunctionMap = { readonly [F in FunctionName]: aws.lambda.Function };
/** Every Lambda function a stack creates: FunctionMap's, plus the optional ones (sign-in trigger, key authorizer). */
export type AllFunctions = FunctionMap & { readonly [fn: string]: aws.lambda.Function };
/** Every function's execution role by function name. */
export type RoleMap = { readonly [F in FunctionName]: aws.iam.Role };

/** Packages left out of a function's archive: a function that needs no data clients carries no SDK (a few KB
 *  instead of ~3.6 MB, and a faster cold start); a data function takes the SDK from the layer instead. */
export function excludedPackages(needs: Needs, layerPackages: readonly string[]): string[] {
  return needs === "none" ? RUNTIME_PACKAGES : [...layerPackages];
}

export interface FunctionsArgs {
  /** Every setting: the functions' runtime configuration (config/runtime.ts runtimeConfig) is built from them. */
  settings: Settings;
  stack: string;
  routes: readonly Route[];
  bucket: aws.s3.Bucket;
  table: aws.dynamodb.Table;
  /** Where sign-in happens (auth cognito only). */
  auth?: pulumi.Output<AuthEndpoints>;
  /** The stack's audit bus (infra/audit.ts): the data functions send their audit events there. */
  audit: { bus: aws.cloudwatch.EventBus; source: string };
}

/** The Lambda functions with their roles, policies and log groups. */
export class Functions extends pulumi.ComponentResource {
  public readonly functions: FunctionMap;
  public readonly roles: RoleMap;
  /** The SecureString that holds the stack's log key (see createLogKey). */
  public readonly logKey: aws.ssm.Parameter;
  /** The SDK layer every data function attaches. */
  public readonly sdkLayer: SdkLayer;

  constructor(name: string, args: FunctionsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fileshare:functions:Functions", name, {}, opts);
    // Checked here, not only inside the environment's apply: an error thrown there leaves the program waiting.
    if ((args.settings.auth === "cognito") !== (args.auth !== undefined)) {
      throw new Error(
        `Functions: auth is ${args.settings.auth}, so the sign-in endpoints must be ${args.auth ? "left out" : "given (the user pool's)"}`,
      );
    }
    // Deploy-time values reach the code as environment variables, never inside the serialized closure.
    const environment = pulumi
      .all([args.bucket.bucket, args.table.name, pulumi.output(args.auth)])
      .apply(([bucketName, tableName, auth]) =>
        toEnvironment(runtimeConfig(args.settings, bucketName, tableName, auth)),
      );
    this.sdkLayer = new SdkLayer(
      `${name}-sdk`,
      {
        layerName: `${name}-${args.stack}-sdk`,
        runtime: FUNCTION_RUNTIME,
        architectures: FUNCTION_ARCHITECTURES,
      },
      { parent: this },
    );
    this.logKey = this.createLogKey(name, args.stack);
    // Every function names its callers by fingerprint in its request lines (handlers/http.ts) and gets the log key;
    // the result is a secret output, so the whole environment is encrypted in the Pulumi state.
    const withLogKey = pulumi
      .all([environment, this.logKey.value])
      .apply(([env, key]): Record<string, string> => ({ ...env, [OTHER_ENV_NAMES.logKey]: key }));
    // The data functions change shares and send audit events: they also learn the bus and the events' source.
    const withAudit = pulumi.all([withLogKey, args.audit.bus.name]).apply(([env, bus]): Record<string, string> => ({
      ...env,
      [OTHER_ENV_NAMES.auditBusName]: bus,
      [OTHER_ENV_NAMES.auditSource]: args.audit.source,
    }));
    const envFor = (needs: Needs) => (needs === "data" ? withAudit : withLogKey);
    const created = [
      ...args.routes.map((route) =>
        this.createFunction(name, route.name, routeFunctionFactory(route), route.needs, args, envFor(route.needs)),
      ),
      this.createFunction(name, "objectCreated", objectCreatedFunctionFactory(), "data", args, withAudit),
      this.createFunction(name, "cleanup", cleanupFunctionFactory(), "data", args, withAudit),
    ];
    this.functions = Object.fromEntries(created.map((c) => [c.fn, c.lambda])) as FunctionMap;
    this.roles = Object.fromEntries(created.map((c) => [c.fn, c.role])) as RoleMap;
    this.createCleanupSchedule(name, args.settings, this.functions.cleanup);
    this.registerOutputs({});
  }

  private createFunction(
    name: string,
    fn: FunctionName,
    factory: aws.lambda.CallbackFactory<never, unknown>,
    needs: Needs,
    args: FunctionsArgs,
    environment: pulumi.Output<Record<string, string>>,
  ): { fn: FunctionName; lambda: aws.lambda.Function; role: aws.iam.Role } {
    const { lambda, role } = createLambdaFunction(
      name,
      {
        stack: args.stack,
        fn,
        logRetentionDays: args.settings.logRetentionDays,
        callbackFactory: factory,
        environment,
        policy: (logGroupArn) =>
          functionPolicy(fn, {
            bucketArn: args.bucket.arn,
            tableArn: args.table.arn,
            logGroupArn,
            auditBusArn: args.audit.bus.arn,
          }),
        timeoutSeconds: timeoutFor(fn),
        memoryMb: FUNCTION_MEMORY_MB,
        // Data functions take the SDK from the layer; a function that needs none has no layer either.
        ...(needs === "none" ? {} : { layers: [this.sdkLayer.arn] }),
        excludePackages: excludedPackages(needs, this.sdkLayer.packages),
      },
      this,
    );
    return { fn, lambda, role };
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

  private createCleanupSchedule(name: string, settings: Settings, fn: aws.lambda.Function): void {
    // A scheduled sweeper over the sparse sweep index rather than one EventBridge Scheduler schedule per share:
    // one Query per run whatever the number of shares, no schedule to create, move (a used-up share) or delete
    // per share, and the same code runs locally on a timer. Its bound: one interval after a share is due.
    const rule = new aws.cloudwatch.EventRule(
      `${name}-cleanup-schedule`,
      {
        description: "Runs the clean-up: removes expired and used-up shares and objects without a record",
        scheduleExpression: cleanupScheduleExpression(settings.cleanupIntervalSeconds),
      },
      { parent: this },
    );
    const permission = new aws.lambda.Permission(
      `${name}-cleanup-invoke`,
      { action: "lambda:InvokeFunction", function: fn.name, principal: "events.amazonaws.com", sourceArn: rule.arn },
      { parent: this },
    );
    // Lambda's default async retries (two) are harmless: runs are idempotent and claim each share first.
    new aws.cloudwatch.EventTarget(
      `${name}-cleanup-target`,
      { rule: rule.name, arn: fn.arn },
      { parent: this, dependsOn: [permission] },
    );
  }
}
