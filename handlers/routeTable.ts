// The route table: the single source for API Gateway (infra/api.ts), the local gateway (local/gateway.ts), the
// Lambda functions (infra/functions.ts) and the OpenAPI document served at GET /openapi.json (apiDocument.ts).
//
// Words used throughout: a route's *handler* is the function `(request, deps) => response` that serves it
// (RouteHandler, handlers/routes/); its *function* is the Lambda function that runs that handler on AWS. The
// local gateway runs the same handler in-process. Route handlers never import each other.
import { apiDocument } from "./apiDocument";
import { Deps } from "./deps";
import { ConfigOnly, RouteHandler } from "./http";
import { createUpload } from "./routes/createUpload";
import { deleteFile } from "./routes/deleteFile";
import { downloadFile } from "./routes/downloadFile";
import { getFile } from "./routes/getFile";
import { serveApiDocument } from "./routes/openapi";
import { servePage } from "./routes/page";
import { SchemaName } from "./schemas";

export type RouteName = "page" | "openapi" | "createUpload" | "getFile" | "downloadFile" | "deleteFile";

/** What a route's function needs at run time: the data clients (S3, DynamoDB), or nothing but the stack's
 *  config. A "none" function is built without SDK clients and its archive carries no SDK. */
export type Needs = "data" | "none";

/** Who may call a route: everyone ("none"), everyone with an optional sign-in, or signed-in callers only. */
export type Auth = "none" | "optional" | "required";

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
  auth: Auth;
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

const error = (description: string): ResponseSpec => ({ description, json: "Error" });

/** Every route but GET /openapi.json, which serves the document built from all of them. */
const API_ROUTES: readonly Route[] = [
  {
    name: "page",
    method: "GET",
    path: "/",
    summary: "The web page",
    needs: "none",
    auth: "none",
    responses: { "200": { description: "The web page, with this stack's limits", html: true } },
    handler: servePage,
  },
  {
    name: "createUpload",
    method: "POST",
    path: "/uploads",
    summary: "Ask for a pre-signed upload URL",
    needs: "data",
    auth: "none",
    request: "UploadRequest",
    responses: {
      "201": { description: "The upload URL, the share link and the delete token", json: "UploadCreated" },
      "400": error("InvalidRequest: the body is not JSON, or a field is missing, of the wrong type or out of range"),
      "413": error("TooLarge: size is above the stack's maximum"),
      "415": error("UnsupportedMediaType: contentType is not allowed on this stack"),
    },
    handler: createUpload,
  },
  {
    name: "getFile",
    method: "GET",
    path: "/files/{id}",
    summary: "Read a file's metadata (a browser asking for text/html gets the web page)",
    needs: "data",
    auth: "none",
    responses: {
      "200": { description: "The file's metadata", json: "FileMetadata", html: true },
      "404": error("NotFound: unknown or deleted id"),
      "410": error("Gone: expired, or no downloads left"),
    },
    handler: getFile,
  },
  {
    name: "downloadFile",
    method: "POST",
    path: "/files/{id}/download",
    summary: "Consume one download and get a pre-signed download URL",
    needs: "data",
    auth: "none",
    responses: {
      "200": { description: "A short-lived download URL", json: "DownloadGranted" },
      "404": error("NotFound: unknown or deleted id"),
      "409": error("NotReady: the upload has not arrived in S3 yet"),
      "410": error("Gone: expired, or no downloads left"),
    },
    handler: downloadFile,
  },
  {
    name: "deleteFile",
    method: "DELETE",
    path: "/files/{id}",
    summary: "Delete a file with its delete token",
    needs: "data",
    auth: "none",
    headers: { "X-Delete-Token": { required: true, description: "the deleteToken returned by POST /uploads" } },
    responses: {
      "204": { description: "Deleted: the object and the record are gone" },
      "403": error("Forbidden: wrong or missing delete token"),
      "404": error("NotFound: unknown id"),
    },
    handler: deleteFile,
  },
];

const OPENAPI_ROUTE: RouteSpec = {
  name: "openapi",
  method: "GET",
  path: "/openapi.json",
  summary: "This API as an OpenAPI 3 document",
  needs: "none",
  auth: "none",
  responses: {
    "200": { description: "The OpenAPI document, generated from the route table", json: "OpenApiDocument" },
  },
};

/** The OpenAPI document of every route, as JSON text: built once here, carried by value into the openapi
 *  function's code, so that function needs neither the other handlers nor any SDK. */
export const API_DOCUMENT_JSON = JSON.stringify(apiDocument([...API_ROUTES, OPENAPI_ROUTE]));

export const ROUTES: readonly Route[] = [
  ...API_ROUTES,
  { ...OPENAPI_ROUTE, needs: "none", handler: serveApiDocument(API_DOCUMENT_JSON) },
];

/** Matches a concrete path against a route template; returns the path parameters or undefined. */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  const match = new RegExp(`^${pattern}$`).exec(path);
  if (!match) return undefined;
  return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? "")]));
}
