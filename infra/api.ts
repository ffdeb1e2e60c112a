// The REST API: an OpenAPI body generated from the route table (infra/openapi.ts), a deployment that is
// replaced whenever that body changes, a stage named after the stack with access logs and throttling,
// and one invoke permission per route, scoped to its method and path.
//
// The RestApi is created empty (its id gives the URL: https://<id>.execute-api.<region>.amazonaws.com/<stack>/) and
// its body is put separately (aws.apigateway.RestApiPut), so on AWS the URL exists before the functions the body
// names: the sign-in client lists the page's URL as a callback on the first `pulumi up`, although the functions
// carry the client's id. In the program, the sign-in client gets `url` as a deferred output (infra/fileshare.ts).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Route, RouteName } from "../handlers/routeSpec";
import { API_GATEWAY_LOGGING_POLICY_ARN, assumeRolePolicyFor } from "./iam";
import { apiDocument } from "../handlers/apiDocument";
import { domainUrlOf } from "./domain";
import { openApiDocument, permissionPath, redeploymentHash } from "./openapi";
import { Settings } from "../config/schema";

/** One JSON line per request in the access log; requestId ties it to the Lambda's own log lines. */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  extendedRequestId: "$context.extendedRequestId",
  requestTime: "$context.requestTime",
  ip: "$context.identity.sourceIp",
  userAgent: "$context.identity.userAgent",
  httpMethod: "$context.httpMethod",
  resourcePath: "$context.resourcePath",
  status: "$context.status",
  responseLength: "$context.responseLength",
  latencyMs: "$context.responseLatency",
  integrationLatencyMs: "$context.integrationLatency",
  errorMessage: "$context.error.message",
});

/** The invoke URL of a REST API's stage, from the API's id and execution ARN (which names the region): the same
 *  URL the stage will have, known before the deployment exists. */
export function invokeUrlOf(id: string, executionArn: string, stage: string): string {
  const region = executionArn.split(":")[3];
  if (!region) throw new Error(`not an execute-api ARN: ${executionArn}`);
  return `https://${id}.execute-api.${region}.amazonaws.com/${stage}/`;
}

/** The API's description: the OpenAPI document's info.description (the body overwrites the RestApi's with it). */
export const REST_API_DESCRIPTION = apiDocument([]).info.description;

export interface ApiArgs {
  settings: Pick<
    Settings,
    | "domainName"
    | "corsOrigins"
    | "logRetentionDays"
    | "apiThrottleRateLimit"
    | "apiThrottleBurstLimit"
    | "manageApiGatewayAccount"
    | "authUploadsRequireSignIn"
    | "authDownloadsRequireSignIn"
  >;
  stack: string;
  routes: readonly Route[];
  /** The user pool whose ID tokens the API's authorizer accepts (auth cognito only). */
  userPoolArn?: pulumi.Input<string>;
  /** The function that serves each route. */
  functions: { readonly [R in RouteName]: aws.lambda.Function };
  /** fileshare:apiKeys: the invoke ARN of the write routes' authorizer (infra/apiKeys.ts, which meters this API's
   *  stage, so the program passes it as a deferred output). */
  keyAuthorizerArn?: pulumi.Input<string>;
}

export class Api extends pulumi.ComponentResource {
  public readonly restApi: aws.apigateway.RestApi;
  public readonly stage: aws.apigateway.Stage;
  /** The base URL of the API (and the page's URL), ending with "/". */
  public readonly url: pulumi.Output<string>;
  /** The API's own origin (scheme://host), from which the web page is served. */
  public readonly origin: pulumi.Output<string>;

  constructor(name: string, args: ApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fileshare:api:Api", name, {}, opts);
    this.restApi = this.createRestApi(name, args.stack);
    // fileshare:domainName: the custom domain's URL (infra/domain.ts maps its root to the stage) everywhere the
    // API's URL goes: the stack output, the page's origin, the bucket's CORS rule and the sign-in callbacks.
    const { domainName } = args.settings;
    this.url =
      domainName === ""
        ? pulumi
            .all([this.restApi.id, this.restApi.executionArn])
            .apply(([id, arn]) => invokeUrlOf(id, arn, args.stack))
        : pulumi.output(domainUrlOf(domainName));
    this.origin = this.url.apply((url) => new URL(url).origin);
    const body = this.createBody(args);
    const definition = new aws.apigateway.RestApiPut(
      `${name}-definition`,
      // failOnWarnings stays on: an importer warning means API Gateway dropped part of the definition (an
      // authorizer, a validator, a gateway response), which would deploy a weaker API without a word. The body is
      // checked as OpenAPI 3.0 before it is sent (tests/infra/openapiBody.test.ts, npm run preflight), and a
      // refused import leaves the stage on its previous deployment (docs/deploy.md).
      { restApiId: this.restApi.id, body, failOnWarnings: true },
      { parent: this },
    );
    const deployment = this.createDeployment(name, body, definition);
    // On by default, so that a fresh account's first deploy works: the stage's access logs need the account's
    // API Gateway logging role, which is shared by every REST API in the account and region (docs/deploy.md).
    const logging = args.settings.manageApiGatewayAccount ? [this.createAccountLogging(name)] : [];
    this.stage = this.createStage(name, args, deployment, logging);
    this.createMethodSettings(name, args.settings);
    this.createInvokePermissions(name, args);
    this.registerOutputs({ url: this.url });
  }

  private createBody(args: ApiArgs): pulumi.Output<string> {
    const names = args.routes.map((route) => route.name);
    // Only the document's values wait for the invoke ARNs; no resource is created in here.
    return pulumi
      .all([
        pulumi.output(args.userPoolArn),
        pulumi.output(args.keyAuthorizerArn),
        ...names.map((n) => args.functions[n].invokeArn),
      ])
      .apply(([userPoolArn, keyAuthorizerArn, ...arns]) =>
        JSON.stringify(
          openApiDocument(
            args.routes,
            Object.fromEntries(names.map((n, i) => [n, arns[i] as string])),
            args.settings,
            `fileshare-${args.stack}`,
            userPoolArn === undefined
              ? undefined
              : {
                  userPoolArn,
                  uploads: args.settings.authUploadsRequireSignIn,
                  downloads: args.settings.authDownloadsRequireSignIn,
                },
            keyAuthorizerArn === undefined ? undefined : { authorizerUri: keyAuthorizerArn },
          ),
        ),
      );
  }

  /** The API without its definition (RestApiPut gives it), so that its id and URL exist before its functions. */
  private createRestApi(name: string, stack: string): aws.apigateway.RestApi {
    return new aws.apigateway.RestApi(
      `${name}-api`,
      {
        name: `fileshare-${stack}`,
        // The same text as the body's info.description: PutRestApi in overwrite mode sets the API's description
        // from it, so any other text would show as drift on `pulumi up --refresh`.
        description: REST_API_DESCRIPTION,
        endpointConfiguration: { types: "REGIONAL" },
      },
      { parent: this },
    );
  }

  private createDeployment(
    name: string,
    body: pulumi.Output<string>,
    definition: aws.apigateway.RestApiPut,
  ): aws.apigateway.Deployment {
    // A new body hash replaces the deployment (a new one is created before the old is deleted, Pulumi's
    // default), so every route change reaches the stage; it deploys only once the definition is in.
    return new aws.apigateway.Deployment(
      `${name}-deployment`,
      { restApi: this.restApi.id, triggers: { redeployment: body.apply(redeploymentHash) } },
      { parent: this, dependsOn: [definition] },
    );
  }

  /**
   * API Gateway writes access logs through ONE role per account and region (aws.apigateway.Account), with
   * AWS's managed AmazonAPIGatewayPushToCloudWatchLogs policy (log writing only, not a *FullAccess policy).
   * It is account-wide: another stack in the same account and region overwrites it with an equivalent role,
   * so it is retained on delete to keep the other stacks' logging working after this one is destroyed.
   */
  private createAccountLogging(name: string): aws.apigateway.Account {
    const retain = { parent: this, retainOnDelete: true };
    const role = new aws.iam.Role(
      `${name}-cloudwatch-role`,
      {
        assumeRolePolicy: assumeRolePolicyFor("apigateway.amazonaws.com"),
        description: "Lets API Gateway write access logs",
      },
      retain,
    );
    const attachment = new aws.iam.RolePolicyAttachment(
      `${name}-cloudwatch-policy`,
      { role: role.name, policyArn: API_GATEWAY_LOGGING_POLICY_ARN },
      retain,
    );
    return new aws.apigateway.Account(
      `${name}-account`,
      { cloudwatchRoleArn: role.arn },
      { ...retain, dependsOn: [attachment] },
    );
  }

  private createStage(
    name: string,
    args: ApiArgs,
    deployment: aws.apigateway.Deployment,
    logging: aws.apigateway.Account[],
  ): aws.apigateway.Stage {
    const accessLogs = new aws.cloudwatch.LogGroup(
      `${name}-access-logs`,
      { retentionInDays: args.settings.logRetentionDays },
      { parent: this },
    );
    return new aws.apigateway.Stage(
      `${name}-stage`,
      {
        restApi: this.restApi.id,
        deployment: deployment.id,
        stageName: args.stack,
        accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
      },
      { parent: this, dependsOn: logging },
    );
  }

  private createMethodSettings(name: string, settings: ApiArgs["settings"]): void {
    new aws.apigateway.MethodSettings(
      `${name}-method-settings`,
      {
        restApi: this.restApi.id,
        stageName: this.stage.stageName,
        methodPath: "*/*",
        settings: {
          throttlingRateLimit: settings.apiThrottleRateLimit,
          throttlingBurstLimit: settings.apiThrottleBurstLimit,
          metricsEnabled: true,
          // Execution logs would copy request data into CloudWatch; access logs and the Lambdas' own
          // structured logs are enough.
          loggingLevel: "OFF",
        },
      },
      { parent: this },
    );
  }

  private createInvokePermissions(name: string, args: ApiArgs): void {
    for (const route of args.routes) {
      new aws.lambda.Permission(
        `${name}-${route.name}-invoke`,
        {
          function: args.functions[route.name].name,
          action: "lambda:InvokeFunction",
          principal: "apigateway.amazonaws.com",
          // Exactly this stage, method and path: no other route or API can invoke the function.
          sourceArn: pulumi.interpolate`${this.restApi.executionArn}/${args.stack}/${permissionPath(route)}`,
        },
        { parent: this },
      );
    }
  }
}
