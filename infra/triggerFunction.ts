// A small Lambda function that reads no data (a Cognito trigger, an API Gateway authorizer): its own role that may
// only write its own log group, that log group with the stack's retention, no SDK and no layer in its archive, and
// its deploy-time values as environment variables (never in the serialized closure).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../config/schema";
import { FUNCTION_ARCHITECTURES, FUNCTION_RUNTIME, RUNTIME_PACKAGES } from "./functions";
import { assumeRolePolicyFor, LOG_WRITE_ACTIONS } from "./iam";

export interface TriggerFunctionArgs {
  settings: Settings;
  stack: string;
  /** e.g. "preSignUp": names the function fileshare-<stack>-<fn>, its role and its log group. */
  fn: string;
  callbackFactory: aws.lambda.CallbackFactory<never, unknown>;
  environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Packages the code needs (everything else of package.json's dependencies is left out). */
  packages?: readonly string[];
  timeoutSeconds?: number;
}

export function createTriggerFunction(
  name: string,
  args: TriggerFunctionArgs,
  parent: pulumi.Resource,
): aws.lambda.CallbackFunction<never, unknown> {
  const functionName = `${name}-${args.stack}-${args.fn}`;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(functionName))
    throw new Error(`Lambda function name "${functionName}" is not valid`);
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-${args.fn}-logs`,
    { name: `/aws/lambda/${functionName}`, retentionInDays: args.settings.logRetentionDays },
    { parent },
  );
  const role = new aws.iam.Role(
    `${name}-${args.fn}-role`,
    { assumeRolePolicy: assumeRolePolicyFor("lambda.amazonaws.com"), description: `Runs ${functionName}` },
    { parent },
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-${args.fn}-policy`,
    {
      role: role.name,
      policy: logGroup.arn.apply((arn) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Sid: "WriteOwnLogs", Effect: "Allow", Action: [...LOG_WRITE_ACTIONS], Resource: [`${arn}:*`] }],
        }),
      ),
    },
    { parent },
  );
  const keep = new Set(args.packages ?? []);
  return new aws.lambda.CallbackFunction(
    `${name}-${args.fn}`,
    {
      name: functionName,
      callbackFactory: args.callbackFactory,
      role: role.arn,
      runtime: FUNCTION_RUNTIME,
      architectures: FUNCTION_ARCHITECTURES,
      timeout: args.timeoutSeconds ?? 5,
      memorySize: 128,
      environment: { variables: args.environment },
      loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
      codePathOptions: { extraExcludePackages: RUNTIME_PACKAGES.filter((p) => !keep.has(p)) },
    },
    { parent, dependsOn: [logGroup, policy] },
  );
}
