// The API Gateway definition: the public OpenAPI document of the route table (handlers/apiDocument.ts, the one
// generator of paths and schemas, also served at GET /openapi.json) with API Gateway's x-amazon-apigateway
// extensions added on top. Pure: no Pulumi, testable on plain values.
import { createHash } from "node:crypto";
import { PREFLIGHT_MAX_AGE_SECONDS } from "../contract/api";
import { apiDocument } from "../handlers/apiDocument";
import { CORS_ALLOWED_HEADERS, CORS_ALLOWED_METHODS } from "../handlers/http";
import { routeAuth } from "../handlers/routeAuth";
import type { RouteSpec } from "../handlers/routeSpec";
import type { JsonSchema } from "../handlers/schemas";
import { BODY_VALIDATOR, draft4Model, REQUEST_VALIDATORS } from "./requestModels";

export type { RouteSpec };

/** Sign-in on a stack with auth cognito: the user pool the authorizer trusts, and what requires sign-in. */
export interface SignInSpec {
  userPoolArn: string;
  uploads: boolean;
  downloads: boolean;
}

/** The name of the Cognito authorizer in the API definition. */
export const AUTHORIZER = "cognito";
/** fileshare:apiKeys: the write routes' authorizer (signed in, or an API key) and API Gateway's key requirement. */
export const KEY_AUTHORIZER = "signInOrApiKey";
export const API_KEY = "api_key";

/** API keys on a stack: the Lambda REQUEST authorizer that chooses which key API Gateway meters. */
export interface ApiKeysSpec {
  /** The authorizer function's invoke ARN (apigateway ... /invocations). */
  authorizerUri: string;
}

/** API Gateway's own error responses, each mapped to an docs/api.md error code (and a status where it differs). */
export const GATEWAY_RESPONSES: Readonly<Record<string, { code: string; statusCode?: string; message?: string }>> = {
  DEFAULT_4XX: { code: "InvalidRequest" },
  DEFAULT_5XX: { code: "InternalError" },
  // API Gateway answers an unknown path or method with 403 "Missing Authentication Token": say 404.
  MISSING_AUTHENTICATION_TOKEN: {
    code: "NotFound",
    statusCode: "404",
    message: "There is no such route here; GET /openapi.json lists the routes.",
  },
  RESOURCE_NOT_FOUND: { code: "NotFound" },
  // The Cognito authorizer's refusals (missing, expired or foreign token).
  UNAUTHORIZED: { code: "Unauthorized", message: "Sign in first: send Authorization: Bearer <ID token>." },
  ACCESS_DENIED: { code: "Forbidden" },
  // No REQUEST_TOO_LARGE: API Gateway cannot customise it (a body over 10 MB gets its own 413; docs/deploy.md).
  // The request validator refused a body (infra/requestModels.ts); the function never ran.
  BAD_REQUEST_BODY: {
    code: "InvalidRequest",
    message: "The request body does not fit this route's schema (GET /openapi.json shows it); nothing was done.",
  },
  THROTTLED: { code: "Throttled" },
  QUOTA_EXCEEDED: { code: "Throttled" },
  // fileshare:apiKeys: a key API Gateway does not know (or that is in no usage plan of this stage).
  INVALID_API_KEY: {
    code: "Forbidden",
    statusCode: "403",
    message: "The API key in x-api-key is not valid for this API; send your key, or sign in.",
  },
  INTEGRATION_FAILURE: { code: "Unavailable" },
  INTEGRATION_TIMEOUT: { code: "Unavailable" },
};

/**
 * The VTL template of the preflight (OPTIONS) answer: it echoes the request's Origin only when that origin
 * is in the allowed list, as handlers/http.ts corsHeaders does. Origins are validated by config/schema.ts
 * (scheme://host[:port]), so they cannot break out of the quoted VTL strings.
 */
export function preflightTemplate(allowedOrigins: readonly string[]): string {
  return [
    "#set($origin = $input.params('Origin'))",
    `#if("$!origin" == "")#set($origin = $input.params('origin'))#end`,
    `#if([${allowedOrigins.map((o) => JSON.stringify(o)).join(",")}].contains($origin))`,
    "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)",
    "#end",
  ].join("\n");
}

/** The path parameters of a template such as /files/{id}. */
function pathParameters(path: string) {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
}

/** API Gateway's Cognito authorizer checks the ID token before the function runs, on routes that require
 *  sign-in on this stack. Optional routes have none (the authorizer cannot let a request without a token
 *  through): their functions check tokens. */
function requiresSignIn(route: RouteSpec, signIn: SignInSpec | undefined): boolean {
  return (
    signIn !== undefined &&
    routeAuth(route, {
      authIssuer: signIn.userPoolArn,
      authUploadsRequireSignIn: signIn.uploads,
      authDownloadsRequireSignIn: signIn.downloads,
    }) === "required"
  );
}

/** Lambda proxy: the function sees the whole request and answers the whole response (handlers/http.ts). */
function proxyIntegration(invokeArn: string) {
  return { type: "aws_proxy", httpMethod: "POST", uri: invokeArn, passthroughBehavior: "when_no_match" };
}

const PREFLIGHT_HEADERS = [
  "Access-Control-Allow-Origin",
  "Access-Control-Allow-Methods",
  "Access-Control-Allow-Headers",
  "Access-Control-Max-Age",
  "Vary",
];

/** OPTIONS answered by API Gateway itself (a MOCK integration): no Lambda call for a preflight. */
function preflightOperation(path: string, allowedOrigins: readonly string[]) {
  return {
    summary: "CORS preflight",
    parameters: pathParameters(path),
    responses: {
      "204": {
        description: "CORS preflight answer",
        headers: Object.fromEntries(PREFLIGHT_HEADERS.map((h) => [h, { schema: { type: "string" } }])),
      },
    },
    "x-amazon-apigateway-integration": {
      type: "mock",
      requestTemplates: { "application/json": '{"statusCode": 204}' },
      passthroughBehavior: "when_no_match",
      responses: {
        default: {
          statusCode: "204",
          responseParameters: {
            "method.response.header.Access-Control-Allow-Methods": `'${CORS_ALLOWED_METHODS}'`,
            "method.response.header.Access-Control-Allow-Headers": `'${CORS_ALLOWED_HEADERS}'`,
            "method.response.header.Access-Control-Max-Age": `'${PREFLIGHT_MAX_AGE_SECONDS}'`,
            "method.response.header.Vary": "'Origin'",
          },
          responseTemplates: { "application/json": preflightTemplate(allowedOrigins) },
        },
      },
    },
  };
}

/**
 * The Access-Control-Allow-Origin of API Gateway's own error responses. Gateway responses run no logic: a header
 * is a fixed value or a copy of a request value, never a choice. With exactly one allowed origin it is that origin,
 * fixed, so no other site can read these errors. With several, API Gateway cannot pick the right one, so the
 * request's Origin is echoed: these bodies hold only an error code and API Gateway's own message (no data, no
 * credentials are used), and without the header a page could not even see a 429.
 */
export function gatewayAllowOrigin(corsOrigins: readonly string[]): string {
  return corsOrigins.length === 1 ? `'${corsOrigins[0]}'` : "method.request.header.Origin";
}

/** A gateway response in the docs/api.md error shape, with CORS headers so a page can read the error. */
function gatewayResponse(corsOrigins: readonly string[], code: string, statusCode?: string, message?: string) {
  return {
    ...(statusCode === undefined ? {} : { statusCode }),
    responseParameters: {
      "gatewayresponse.header.Access-Control-Allow-Origin": gatewayAllowOrigin(corsOrigins),
      "gatewayresponse.header.Vary": "'Origin'",
    },
    responseTemplates: {
      "application/json": `{"error":{"code":"${code}","message":${message === undefined ? "$context.error.messageString" : JSON.stringify(message)}}}`,
    },
  };
}

/**
 * The whole API for API Gateway: the public document (paths, parameters, request schemas) with every route as a
 * Lambda proxy integration to its function's invoke ARN, an OPTIONS preflight on every path, and API Gateway's
 * own errors with CORS headers. A proxy integration passes the function's response through; each operation keeps
 * its statuses with their descriptions only (OpenAPI 3.0 requires at least one response per operation), without
 * schemas, which API Gateway would only turn into unused models.
 */
export function openApiDocument(
  routes: readonly RouteSpec[],
  invokeArns: Readonly<Record<string, string>>,
  cors: { corsOrigins: readonly string[] },
  title = "fileshare",
  signIn?: SignInSpec,
  apiKeys?: ApiKeysSpec,
) {
  const document = apiDocument(routes, title);
  const paths = document.paths as Record<string, Record<string, Record<string, unknown>>>;
  for (const route of routes) {
    const invokeArn = invokeArns[route.name];
    if (invokeArn === undefined) throw new Error(`route ${route.name} has no function invoke ARN`);
    const operations = paths[route.path] as Record<string, Record<string, unknown>>;
    const operation = operations[route.method.toLowerCase()] as Record<string, unknown>;
    operation["responses"] = describedOnly(operation["responses"] as Record<string, { description: string }>);
    operation["x-amazon-apigateway-integration"] = proxyIntegration(invokeArn);
    if (apiKeys !== undefined && route.writes) {
      // One authorizer per method: this one also verifies a bearer token; the function enforces required sign-in.
      operation["security"] = [{ [KEY_AUTHORIZER]: [], [API_KEY]: [] }];
    } else if (requiresSignIn(route, signIn)) operation["security"] = [{ [AUTHORIZER]: [] }];
    // A JSON body is checked against its model before the function runs (infra/requestModels.ts).
    if (route.request !== undefined) operation["x-amazon-apigateway-request-validator"] = BODY_VALIDATOR;
    operations["options"] ??= preflightOperation(route.path, cors.corsOrigins);
  }
  // Only the request schemas stay, as draft 4: API Gateway makes each a model, which the validator checks bodies with.
  const requestSchemas = new Set<string>(routes.flatMap((r) => (r.request ? [r.request] : [])));
  const schemas = Object.fromEntries(
    Object.entries(document.components.schemas as Record<string, JsonSchema>)
      .filter(([name]) => requestSchemas.has(name))
      .map(([name, schema]) => [name, draft4Model(schema)]),
  );
  return {
    ...document,
    components: {
      schemas,
      ...(signIn === undefined && apiKeys === undefined
        ? {}
        : { securitySchemes: { ...cognitoScheme(signIn), ...apiKeySchemes(apiKeys) } }),
    },
    ...(apiKeys === undefined ? {} : { "x-amazon-apigateway-api-key-source": "AUTHORIZER" }),
    "x-amazon-apigateway-request-validators": REQUEST_VALIDATORS,
    "x-amazon-apigateway-gateway-responses": Object.fromEntries(
      Object.entries(GATEWAY_RESPONSES).map(([type, r]) => [
        type,
        gatewayResponse(cors.corsOrigins, r.code, r.statusCode, r.message),
      ]),
    ),
  };
}

/** A route's responses without content or headers: status and description. */
function describedOnly(responses: Record<string, { description: string }>) {
  const described = Object.entries(responses).map(([status, r]) => [status, { description: r.description }]);
  if (described.length === 0) throw new Error("an operation needs at least one response (OpenAPI 3.0)");
  return Object.fromEntries(described);
}

function cognitoScheme(signIn: SignInSpec | undefined) {
  if (signIn === undefined) return {};
  return {
    [AUTHORIZER]: {
      type: "apiKey",
      name: "Authorization",
      in: "header",
      "x-amazon-apigateway-authtype": "cognito_user_pools",
      "x-amazon-apigateway-authorizer": { type: "cognito_user_pools", providerARNs: [signIn.userPoolArn] },
    },
  };
}

/** The key requirement and the REQUEST authorizer that answers which key to meter (key source AUTHORIZER). No
 *  identity source and no caching: it runs on every call, also for callers that send neither token nor key. */
function apiKeySchemes(apiKeys: ApiKeysSpec | undefined) {
  if (apiKeys === undefined) return {};
  return {
    [API_KEY]: { type: "apiKey", name: "x-api-key", in: "header" },
    [KEY_AUTHORIZER]: {
      type: "apiKey",
      name: "Authorization",
      in: "header",
      "x-amazon-apigateway-authtype": "custom",
      "x-amazon-apigateway-authorizer": {
        type: "request",
        authorizerUri: apiKeys.authorizerUri,
        authorizerResultTtlInSeconds: 0,
      },
    },
  };
}

/** A fingerprint of the API definition: the deployment is replaced (redeployed) whenever it changes. */
export function redeploymentHash(body: string): string {
  return createHash("sha256").update(body).digest("hex");
}

/** The execute-api resource path of a route for a Lambda permission: path parameters become "*". */
export function permissionPath(route: Pick<RouteSpec, "method" | "path">): string {
  return `${route.method}${route.path.replace(/\{\w+\}/g, "*")}`;
}
