// Builds the events API Gateway would hand a Lambda proxy integration, so local callers run handlers exactly
// as Lambda does: the REST API (v1) proxy event shape, stage-less paths.
import type { APIGatewayProxyEvent } from "aws-lambda";
import { randomUUID } from "node:crypto";

export interface HttpCall {
  method: string;
  /** The path as requested, e.g. /files/abc/download (no query string). */
  path: string;
  /** The route's template, e.g. /files/{id}/download. */
  resource: string;
  pathParameters: Record<string, string>;
  /** Header names in lower case; a list for a header sent more than once. */
  headers: Record<string, string | readonly string[]>;
  /** A list for a key given more than once. */
  query?: Record<string, string | readonly string[]>;
  body?: string;
  sourceIp?: string;
  /** The API Gateway stage the call came through (its name prefixes requestContext.path); none locally. */
  stage?: string;
}

type Values = Record<string, string | readonly string[]>;

/** Every value per name, as in multiValueHeaders and multiValueQueryStringParameters. */
function allValues(values: Values): Record<string, string[]> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? [v] : [...v]]));
}

/** One value per name: API Gateway REST keeps the last of repeated headers and query keys. */
function lastValues(values: Record<string, string[]>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).flatMap(([k, v]) => (v.length > 0 ? [[k, v[v.length - 1] as string]] : [])),
  );
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** requestContext.requestTime as API Gateway writes it (CLF), e.g. "20/Feb/2018:22:48:57 +0000". */
function requestTime(at: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const day = `${two(at.getUTCDate())}/${MONTHS[at.getUTCMonth()]}/${at.getUTCFullYear()}`;
  return `${day}:${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())} +0000`;
}

/** An API Gateway REST proxy event for one HTTP call. */
export function proxyEvent(call: HttpCall): APIGatewayProxyEvent {
  const requestId = randomUUID();
  const now = new Date();
  const multiValueHeaders = allValues(call.headers);
  const headers = lastValues(multiValueHeaders);
  const multiValueQuery = call.query && Object.keys(call.query).length > 0 ? allValues(call.query) : null;
  return {
    resource: call.resource,
    path: call.path,
    httpMethod: call.method,
    headers,
    multiValueHeaders,
    queryStringParameters: multiValueQuery && lastValues(multiValueQuery),
    multiValueQueryStringParameters: multiValueQuery,
    pathParameters: Object.keys(call.pathParameters).length > 0 ? call.pathParameters : null,
    stageVariables: null,
    body: call.body ?? null,
    isBase64Encoded: false,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      authorizer: null,
      protocol: "HTTP/1.1",
      httpMethod: call.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: call.sourceIp ?? "127.0.0.1",
        user: null,
        userAgent: headers["user-agent"] ?? null,
        userArn: null,
      },
      path: call.stage === undefined ? call.path : `/${call.stage}${call.path}`,
      stage: call.stage ?? "local",
      requestId,
      requestTime: requestTime(now),
      requestTimeEpoch: now.getTime(),
      resourceId: "local",
      resourcePath: call.resource,
    },
  };
}
