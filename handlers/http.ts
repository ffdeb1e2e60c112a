// The thin adapter between API Gateway proxy events and the route handlers: request parsing, CORS,
// the one place where errors become docs/api.md error bodies, and one structured log line per request.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { User, userOf } from "./auth";
import { Deps } from "./deps";
import { internalError, invalidRequest, isHttpError, unavailable, unsupportedMediaType, HttpError } from "./errors";
import { createLogger, describeError, Logger } from "./log";
import { PREFLIGHT_MAX_AGE_SECONDS } from "../contract/api";

/** What a route handler sees of a request. Header names are lower case. */
export interface ApiRequest {
  method: string;
  /** The route path with its parameters filled in, without the stage, e.g. /files/abc. */
  path: string;
  pathParameters: Record<string, string>;
  headers: Record<string, string>;
  body: string | undefined;
  /** Query string parameters (the last value of a repeated key). */
  query: Record<string, string>;
  /** The token's claims when the gateway's authorizer verified a bearer token (requestContext.authorizer.claims). */
  claims?: Record<string, string>;
  /** Where the API is reachable, ending with "/": e.g. https://abc.execute-api.eu-west-1.amazonaws.com/dev/ */
  baseUrl: string;
  requestId: string;
  /** The client's address as API Gateway saw it (requestContext.identity.sourceIp); logged only as a fingerprint. */
  sourceIp: string;
  /** The signed-in caller, once verified (by the gateway's authorizer, or by signedInUser for an optional route):
   *  the request log and audit events name the caller by it. */
  user?: User;
  log: Logger;
}

/** What a route handler returns; `body` is JSON-encoded unless it is a string with its own content type. */
export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** The dependencies of a route that reads no stored data: the stack's config and the log fingerprint (no SDK
 *  client). Every request line names its caller by fingerprint, so every function has the log key. */
export type ConfigOnly = Pick<Deps, "config" | "bucketOrigin" | "fingerprint">;

/** A route's handler: pure logic over its dependencies (the word for "the function that serves a route"). */
export type RouteHandler<D extends ConfigOnly = Deps> = (request: ApiRequest, deps: D) => Promise<ApiResponse>;

/** Request headers a browser may send cross-origin. */
export const CORS_ALLOWED_HEADERS = "Content-Type,X-Delete-Token,Authorization,X-Api-Key";
/** Methods a browser may use cross-origin. */
export const CORS_ALLOWED_METHODS = "GET,POST,DELETE,OPTIONS";

/** CORS response headers for a request from `origin`: the origin is echoed only when it is allowed. */
export function corsHeaders(origin: string | undefined, allowed: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = { Vary: "Origin" };
  if (origin !== undefined && allowed.includes(origin)) headers["Access-Control-Allow-Origin"] = origin;
  return headers;
}

/** The answer to a CORS preflight (OPTIONS) on any route. */
export function preflightResponse(origin: string | undefined, allowed: readonly string[]): APIGatewayProxyResult {
  return {
    statusCode: 204,
    headers: {
      ...corsHeaders(origin, allowed),
      "Access-Control-Allow-Methods": CORS_ALLOWED_METHODS,
      "Access-Control-Allow-Headers": CORS_ALLOWED_HEADERS,
      "Access-Control-Max-Age": String(PREFLIGHT_MAX_AGE_SECONDS),
    },
    body: "",
  };
}

/** The docs/api.md error body for an HttpError. */
export function errorBody(e: HttpError): { error: { code: string; message: string } } {
  return { error: { code: e.code, message: e.message } };
}

/** Parses a JSON object body or throws a 400 that says what is wrong. */
export function parseJsonObject(request: ApiRequest): Record<string, unknown> {
  if (request.body === undefined || request.body.trim() === "") {
    throw invalidRequest(
      "The request body is empty; send the JSON object this route takes (docs/api.md, or GET /openapi.json).",
    );
  }
  // A body must be application/json: a cross-site HTML form (or a no-cors fetch) can send text/plain or a form type
  // without a CORS preflight, and must not be able to create shares from a victim's browser.
  const type = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") {
    throw unsupportedMediaType(
      `Send the body as JSON with the header Content-Type: application/json (got ${type ? JSON.stringify(type.slice(0, 40)) : "none"}).`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(request.body);
  } catch {
    throw invalidRequest("The request body is not valid JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidRequest("The request body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}

function lowerCaseHeaders(headers: Record<string, string | undefined> | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (value !== undefined) out[name.toLowerCase()] = value;
  return out;
}

/** The API's base URL as the client called it: scheme and host, plus the stage prefix API Gateway adds. */
function baseUrlOf(event: APIGatewayProxyEvent, headers: Record<string, string>): string {
  const proto = headers["x-forwarded-proto"] ?? "https";
  const host = headers["host"] ?? "localhost";
  const fullPath = event.requestContext?.path ?? event.path;
  const prefix = fullPath.endsWith(event.path) ? fullPath.slice(0, fullPath.length - event.path.length) : "";
  return `${proto}://${host}${prefix}/`;
}

/** Errors that mean "a dependency is busy or away" (an AWS 5xx, throttling, a network failure) rather than
 *  "we have a bug". */
function isDependencyOutage(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return false;
  const error = e as { name?: unknown; code?: unknown; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if ((error.$metadata?.httpStatusCode ?? 0) >= 500 || error.$retryable !== undefined) return true;
  // Network failures carry a Node error code (ECONNREFUSED, ETIMEDOUT, EAI_AGAIN, ...).
  // Throttling comes back as a 4xx with a name: DynamoDB's ProvisionedThroughputExceededException (a 400 without
  // $retryable once the SDK's retries are spent), RequestLimitExceeded, S3's SlowDown.
  return (
    /^E[A-Z_]+$/.test(String(error.code)) ||
    /Throttl|LimitExceeded|ProvisionedThroughputExceeded|SlowDown|TimeoutError/.test(String(error.name))
  );
}

/** Decodes UTF-8 or refuses the body (400): replacing broken bytes with U+FFFD would store a name nobody sent. */
function strictUtf8(bytes: Buffer): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw invalidRequest("The request body is not valid UTF-8.");
  }
}

/** The claims API Gateway's Cognito authorizer (or the local gateway) verified, as strings. */
function authorizerClaims(event: APIGatewayProxyEvent): Record<string, string> | undefined {
  const claims = (event.requestContext?.authorizer as { claims?: unknown } | null | undefined)?.claims;
  if (typeof claims !== "object" || claims === null) return undefined;
  return Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, String(v)]));
}

/** Who made a request (or caused a change), as logs and audit events name them: the fingerprint of the signed-in
 *  user's `sub`, else of the source IP. A user is followed across addresses; an anonymous caller by address. */
export function callerFields(
  who: { user?: User; sourceIp?: string },
  fingerprint: (value: string) => string,
): { caller?: string; callerType?: "user" | "ip" } {
  if (who.user !== undefined && who.user.sub !== "") return { caller: fingerprint(who.user.sub), callerType: "user" };
  if (who.sourceIp !== undefined && who.sourceIp !== "") {
    return { caller: fingerprint(who.sourceIp), callerType: "ip" };
  }
  return {};
}

/** The message of the one line logged per API request, locally and in Lambda. */
export const REQUEST_FINISHED = "request finished";

/** The fields of a "request finished" line besides requestId, method and route (the logger's own): the status,
 *  the latency in ms and the caller's fingerprint (signed-in `sub`, else source IP; handlers/audit.ts). */
export function requestFields(
  status: number,
  startedMs: number,
  who: { user?: User; sourceIp?: string },
  fingerprint: (value: string) => string,
): Record<string, unknown> {
  return { status, latencyMs: Date.now() - startedMs, ...callerFields(who, fingerprint) };
}

/** Runs a route handler for one API Gateway proxy event and turns whatever happens into an HTTP response. */
export async function handleApiEvent<D extends ConfigOnly>(
  handler: RouteHandler<D>,
  event: APIGatewayProxyEvent,
  context: { awsRequestId: string },
  deps: D,
): Promise<APIGatewayProxyResult> {
  const started = Date.now();
  const headers = lowerCaseHeaders(event.headers);
  const requestId = context.awsRequestId;
  // The route template (/files/{id}), never the path: the path holds the share id, which is a credential.
  const log = createLogger({ requestId, method: event.httpMethod, route: event.resource });
  const cors = corsHeaders(headers["origin"], deps.config.corsOrigins);
  const claims = authorizerClaims(event);
  const request: ApiRequest = {
    method: event.httpMethod,
    path: event.path,
    pathParameters: Object.fromEntries(
      Object.entries(event.pathParameters ?? {}).filter((e): e is [string, string] => e[1] !== undefined),
    ),
    headers,
    body: undefined,
    query: Object.fromEntries(
      Object.entries(event.queryStringParameters ?? {}).filter((e): e is [string, string] => e[1] !== undefined),
    ),
    claims,
    user: claims === undefined ? undefined : userOf(claims),
    baseUrl: baseUrlOf(event, headers),
    requestId,
    sourceIp: event.requestContext?.identity?.sourceIp ?? "",
    log,
  };
  let response: ApiResponse;
  try {
    const body =
      event.body === null || event.body === undefined
        ? undefined
        : event.isBase64Encoded
          ? strictUtf8(Buffer.from(event.body, "base64"))
          : event.body;
    request.body = body;
    response = await handler(request, deps);
  } catch (e) {
    let error: HttpError;
    if (isHttpError(e)) {
      error = e;
    } else {
      error = isDependencyOutage(e) ? unavailable() : internalError();
      log.error("request failed", describeError(e));
    }
    const retryAfter = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
    response = {
      status: error.httpStatus,
      body: errorBody(error),
      headers: retryAfter === undefined ? undefined : { "Retry-After": String(retryAfter) },
    };
  }
  const isText = typeof response.body === "string";
  log.info(REQUEST_FINISHED, requestFields(response.status, started, request, deps.fingerprint));
  return {
    statusCode: response.status,
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      ...cors,
      ...response.headers,
    },
    body: response.body === undefined ? "" : isText ? (response.body as string) : JSON.stringify(response.body),
  };
}
