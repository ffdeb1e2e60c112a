// One Lambda function of the stack, as every function here is made: its own role, its own inline policy (given by
// the caller, from infra/iam.ts), its own log group with the stack's retention (created first, else Lambda makes one
// without retention), and its deploy-time values as environment variables (never in the serialized closure).
// The route, upload-event and clean-up functions (infra/functions.ts), the sign-in trigger (infra/auth.ts) and the
// API-key authorizer (infra/apiKeys.ts) all come from here.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { dependencies } from "../package.json";
import { assumeRolePolicyFor, logWritePolicy } from "./iam";

export const FUNCTION_RUNTIME = aws.lambda.Runtime.NodeJS22dX;
/** arm64 costs less per GB-second; the code is plain JavaScript with no native modules. */
export const FUNCTION_ARCHITECTURES = ["arm64"];
/** Every package a CallbackFunction would otherwise pack: package.json's dependencies, less @pulumi's. */
export const RUNTIME_PACKAGES = Object.keys(dependencies).filter((name) => !name.startsWith("@pulumi/"));

/** The Lambda function name `<prefix>-<stack>-<function>`: fixed, so its log group can be created first. */
export function lambdaFunctionName(prefix: string, stack: string, fn: string): string {
  const name = `${prefix}-${stack}-${fn}`;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    throw new Error(
      `Lambda function name "${name}" is not valid: use a stack name of letters, digits, "-" and "_" that keeps it within 64 characters.`,
    );
  }
  return name;
}

/** A small function that reads no data (the sign-in trigger, the key authorizer): writes its own logs only. */
export const NO_DATA_FUNCTION = { policy: logWritePolicy, timeoutSeconds: 5, memoryMb: 128 } as const;

export interface LambdaFunctionArgs {
  stack: string;
  /** e.g. "createUpload": names the function <name>-<stack>-<fn>, its role, policy and log group. */
  fn: string;
  logRetentionDays: number;
  callbackFactory: aws.lambda.CallbackFactory<never, unknown>;
  environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** The role's inline policy, given the function's log group ARN (infra/iam.ts builds every policy). */
  policy: (logGroupArn: pulumi.Output<string>) => pulumi.Input<string>;
  timeoutSeconds: number;
  memoryMb: number;
  /** Layers to attach (the SDK layer of the data functions). */
  layers?: pulumi.Input<string>[];
  /** Packages of package.json's dependencies left out of the archive. */
  excludePackages: readonly string[];
}

/** Creates the function, its role, policy and log group under `parent`. */
export function createLambdaFunction(
  name: string,
  args: LambdaFunctionArgs,
  parent: pulumi.Resource,
): { lambda: aws.lambda.CallbackFunction<never, unknown>; role: aws.iam.Role } {
  const functionName = lambdaFunctionName(name, args.stack, args.fn);
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-${args.fn}-logs`,
    { name: `/aws/lambda/${functionName}`, retentionInDays: args.logRetentionDays },
    { parent },
  );
  const role = new aws.iam.Role(
    `${name}-${args.fn}-role`,
    { assumeRolePolicy: assumeRolePolicyFor("lambda.amazonaws.com"), description: `Runs ${functionName}` },
    { parent },
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-${args.fn}-policy`,
    { role: role.name, policy: args.policy(logGroup.arn) },
    { parent },
  );
  const lambda = new aws.lambda.CallbackFunction(
    `${name}-${args.fn}`,
    {
      name: functionName,
      callbackFactory: args.callbackFactory,
      role: role.arn,
      runtime: FUNCTION_RUNTIME,
      architectures: FUNCTION_ARCHITECTURES,
      timeout: args.timeoutSeconds,
      memorySize: args.memoryMb,
      environment: { variables: args.environment },
      loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
      ...(args.layers === undefined ? {} : { layers: args.layers }),
      codePathOptions: { extraExcludePackages: [...args.excludePackages] },
    },
    // The log group first, the policy before the first call.
    { parent, dependsOn: [logGroup, policy] },
  );
  return { lambda, role };
}
