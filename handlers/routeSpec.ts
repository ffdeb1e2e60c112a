// What a route is (its spec) and what serves it (its handler): the types of the route table (handlers/routeTable.ts).
//
// Words used throughout: a route's *handler* is the function `(request, deps) => response` that serves it
// (RouteHandler, handlers/routes/); its *function* is the Lambda function that runs that handler on AWS. The
// local gateway runs the same handler in-process. Route handlers never import each other.
import type { Deps } from "./deps";
import type { ConfigOnly, RouteHandler } from "./http";
import type { SchemaName } from "./schemas";

export type RouteName =
  | "page"
  | "openapi"
  | "getConfig"
  | "createUpload"
  | "createShare"
  | "renewUploadUrl"
  | "signUploadParts"
  | "listUploadParts"
  | "completeUpload"
  | "listFiles"
  | "getFile"
  | "unlockFile"
  | "downloadFile"
  | "deleteFile";

/** What a route's function needs at run time: the data clients (S3, DynamoDB), or nothing but the stack's
 *  config. A "none" function is built without SDK clients and its archive carries no SDK. */
export type Needs = "data" | "none";

/** Who may call a route on a stack with sign-in: everyone, token never looked at ("none"); everyone, a token
 *  verified when sent ("optional"); or signed-in callers only ("required"). On stacks without sign-in every
 *  route is "none" (handlers/routeAuth.ts). */
export type RouteAuth = "none" | "optional" | "required";

/** One documented response of a route: a JSON body by schema name, the web page, or no body. */
export interface ResponseSpec {
  description: string;
  json?: SchemaName;
  html?: true;
}

/** Everything about a route except its handler: what the OpenAPI document and API Gateway are built from. */
export interface RouteSpec {
  /** Names the Lambda function, its role, its log group and the OpenAPI operationId. */
  name: RouteName;
  method: "GET" | "POST" | "DELETE";
  /** API Gateway path template, e.g. /files/{id}. */
  path: string;
  summary: string;
  needs: Needs;
  auth: RouteAuth;
  /** An optional route becomes required when the stack requires sign-in for uploads or for downloads. */
  authFollows?: "upload" | "download";
  /** A write route: on stacks with fileshare:apiKeys, callers that are not signed in need an API key (handlers/apiKeys.ts). */
  writes?: true;
  /** The JSON request body's schema, when the route takes one. */
  request?: SchemaName;
  /** Request headers the route reads, by name. */
  headers?: Readonly<Record<string, { required: boolean; description: string }>>;
  /** Responses by status code (500 and 503 are added to every route by apiDocument.ts). */
  responses: Readonly<Record<string, ResponseSpec>>;
}

/** A route and its handler. The handler's dependencies follow from `needs`: a "none" route's handler gets
 *  the config only, so it cannot reach for a client its function does not have. */
export type Route = RouteSpec &
  ({ needs: "data"; handler: RouteHandler<Deps> } | { needs: "none"; handler: RouteHandler<ConfigOnly> });
