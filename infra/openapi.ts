// The API Gateway definition as an OpenAPI 3 document generated from the route table (handlers/routes.ts),
// so the table stays the single source. Pure: no Pulumi, testable on plain values.
import { createHash } from "node:crypto";
import { CORS_ALLOWED_HEADERS, CORS_ALLOWED_METHODS } from "../handlers/http";
import type { Route } from "../handlers/routes";

/** How long a browser may cache a preflight answer, seconds (as handlers/http.ts preflightResponse). */
export const PREFLIGHT_MAX_AGE_SECONDS = "600";

/** The part of a route the API definition needs. */
export type RouteSpec = Pick<Route, "name" | "method" | "path" | "summary">;

/** API Gateway's own error responses, each mapped to an API.md error code (and a status where it differs). */
export const GATEWAY_RESPONSES: Readonly<Record<string, { code: string; statusCode?: string; message?: string }>> = {
  DEFAULT_4XX: { code: "InvalidRequest" },
  DEFAULT_5XX: { code: "InternalError" },
  // API Gateway answers an unknown path or method with 403 "Missing Authentication Token": say 404.
  MISSING_AUTHENTICATION_TOKEN: {
    code: "NotFound",
    statusCode: "404",
    message: "There is no such route here; see API.md for the routes.",
  },
  RESOURCE_NOT_FOUND: { code: "NotFound" },
  REQUEST_TOO_LARGE: { code: "TooLarge" },
  THROTTLED: { code: "Throttled" },
  QUOTA_EXCEEDED: { code: "Throttled" },
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

function proxyOperation(route: RouteSpec, invokeArn: string) {
  return {
    operationId: route.name,
    summary: route.summary,
    parameters: pathParameters(route.path),
    // A proxy integration passes the function's response through: no method responses to declare
    // (API Gateway's own export of a proxy method has "responses": {} too).
    responses: {},
    // Lambda proxy: the function sees the whole request and answers the whole response (handlers/http.ts).
    "x-amazon-apigateway-integration": {
      type: "aws_proxy",
      httpMethod: "POST",
      uri: invokeArn,
      passthroughBehavior: "when_no_match",
    },
  };
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

/** A gateway response in the API.md error shape, with CORS headers so a page can read the error. */
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
 * The whole API as an OpenAPI 3 document: every route as a Lambda proxy integration to its function's
 * invoke ARN, an OPTIONS preflight on every path, and API Gateway's own errors with CORS headers.
 */
export function openApiDocument(
  routes: readonly RouteSpec[],
  invokeArns: Readonly<Record<string, string>>,
  cors: { corsOrigins: readonly string[] },
  title = "fileshare",
) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const invokeArn = invokeArns[route.name];
    if (invokeArn === undefined) throw new Error(`route ${route.name} has no function invoke ARN`);
    const operations = (paths[route.path] ??= { options: preflightOperation(route.path, cors.corsOrigins) });
    const method = route.method.toLowerCase();
    if (operations[method] !== undefined) throw new Error(`two routes for ${route.method} ${route.path}`);
    operations[method] = proxyOperation(route, invokeArn);
  }
  return {
    openapi: "3.0.1",
    info: { title, version: "1" },
    paths,
    "x-amazon-apigateway-gateway-responses": Object.fromEntries(
      Object.entries(GATEWAY_RESPONSES).map(([type, r]) => [
        type,
        gatewayResponse(cors.corsOrigins, r.code, r.statusCode, r.message),
      ]),
    ),
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
