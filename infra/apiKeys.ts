// fileshare:apiKeys: API keys and usage plans for machine clients, while signed-in callers (the page) need none.
//
// How (the documented AWS way to make a key optional for some callers): the write routes require an API key with the
// API's key source set to AUTHORIZER, and a Lambda REQUEST authorizer (handlers/apiKeys.ts) answers which key to meter:
// the caller's x-api-key, or, for a caller with a valid bearer token, the stack's page key. The page key is never
// handed out: it lives in the authorizer's environment (a secret in the Pulumi state), so nobody can send it.
// Two usage plans on the stage: "clients" (apiKeyRateLimit/apiKeyBurstLimit, apiKeyDailyQuota per key per day) with
// one key made by AWS, and "page" (the stage's throttle, no quota: it is shared by every signed-in user).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { randomBytes } from "node:crypto";
import type { AuthEndpoints } from "../config/runtime";
import { Settings } from "../config/schema";
import { apiKeyAuthorizerFactory, authorizerEnvironment } from "../handlers/apiKeys";
import { createLambdaFunction, NO_DATA_FUNCTION, RUNTIME_PACKAGES } from "./lambdaFunction";

export interface ApiKeysArgs {
  settings: Pick<
    Settings,
    | "logRetentionDays"
    | "apiKeyRateLimit"
    | "apiKeyBurstLimit"
    | "apiKeyDailyQuota"
    | "apiThrottleRateLimit"
    | "apiThrottleBurstLimit"
  >;
  stack: string;
  restApi: aws.apigateway.RestApi;
  /** The deployed stage the usage plans meter. */
  stage: aws.apigateway.Stage;
  /** Where tokens come from (auth cognito); without it only keys are accepted. */
  auth?: pulumi.Output<AuthEndpoints>;
}

export class ApiKeys extends pulumi.ComponentResource {
  /** The authorizer the write routes name in the API definition. */
  public readonly authorizer: aws.lambda.CallbackFunction<never, unknown>;
  /** The key made for machine clients (its value: `aws apigateway get-api-key --include-value`). */
  public readonly clientKey: aws.apigateway.ApiKey;

  constructor(name: string, args: ApiKeysArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fileshare:apiKeys:ApiKeys", name, {}, opts);
    const { stack, settings } = args;
    // Made by the program at the first deploy and kept (ignoreChanges): a new value each run must not rotate it.
    const pageKey = new aws.apigateway.ApiKey(
      `${name}-page-key`,
      {
        name: `fileshare-${stack}-page`,
        description: "Metered for signed-in callers by the authorizer; never handed out",
        value: pulumi.secret(randomBytes(20).toString("hex")),
      },
      { parent: this, ignoreChanges: ["value"] },
    );
    this.clientKey = new aws.apigateway.ApiKey(
      `${name}-client-key`,
      { name: `fileshare-${stack}-clients`, description: "For machine clients: send it in x-api-key" },
      { parent: this },
    );
    const environment = pulumi
      .all([pulumi.output(args.auth), pageKey.value])
      .apply(([auth, key]) => authorizerEnvironment(auth, key));
    this.authorizer = createLambdaFunction(
      name,
      {
        stack,
        fn: "keyAuthorizer",
        logRetentionDays: settings.logRetentionDays,
        callbackFactory: apiKeyAuthorizerFactory(),
        environment,
        ...NO_DATA_FUNCTION,
        // The authorizer checks bearer tokens with jose; everything else stays out.
        excludePackages: RUNTIME_PACKAGES.filter((p) => p !== "jose"),
      },
      this,
    ).lambda;
    new aws.lambda.Permission(
      `${name}-keyAuthorizer-invoke`,
      {
        function: this.authorizer.name,
        action: "lambda:InvokeFunction",
        principal: "apigateway.amazonaws.com",
        // Only this API's authorizers.
        sourceArn: pulumi.interpolate`${args.restApi.executionArn}/authorizers/*`,
      },
      { parent: this },
    );
    // The usage plans on the deployed stage, each with its key.
    const apiStages = [{ apiId: args.restApi.id, stage: args.stage.stageName }];
    const clients = new aws.apigateway.UsagePlan(
      `${name}-clients-plan`,
      {
        name: `fileshare-${stack}-clients`,
        description: "Machine clients: throttle and daily quota per key",
        apiStages,
        throttleSettings: { rateLimit: settings.apiKeyRateLimit, burstLimit: settings.apiKeyBurstLimit },
        quotaSettings: { limit: settings.apiKeyDailyQuota, period: "DAY" },
      },
      { parent: this },
    );
    const page = new aws.apigateway.UsagePlan(
      `${name}-page-plan`,
      {
        name: `fileshare-${stack}-page`,
        description: "Signed-in callers (all share the page key): the stage's throttle, no quota",
        apiStages,
        throttleSettings: { rateLimit: settings.apiThrottleRateLimit, burstLimit: settings.apiThrottleBurstLimit },
      },
      { parent: this },
    );
    for (const [plan, key, label] of [
      [clients, this.clientKey, "clients"],
      [page, pageKey, "page"],
    ] as const) {
      new aws.apigateway.UsagePlanKey(
        `${name}-${label}-plan-key`,
        { keyId: key.id, keyType: "API_KEY", usagePlanId: plan.id },
        { parent: this },
      );
    }
    this.registerOutputs({ clientKeyId: this.clientKey.id });
  }
}
