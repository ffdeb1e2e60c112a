// The route table: the single source for API Gateway (infra/api.ts), the local gateway (local/) and the docs.
import type { RuntimeConfig } from "../config/runtime";
import { ApiHandle } from "./http";
import { createUpload } from "./routes/createUpload";
import { deleteFile } from "./routes/deleteFile";
import { downloadFile } from "./routes/downloadFile";
import { getConfig } from "./routes/getConfig";
import { getFile } from "./routes/getFile";
import { listFiles } from "./routes/listFiles";
import { unlockFile } from "./routes/unlockFile";
import { servePage } from "./routes/page";

/** One HTTP route and the core that serves it. Each route gets its own Lambda function and IAM role. */
export interface Route {
  /** Names the Lambda function, its role and its log group. */
  name: RouteName;
  method: "GET" | "POST" | "DELETE";
  /** API Gateway path template, e.g. /files/{id}. */
  path: string;
  summary: string;
  /** Sign-in on stacks with auth cognito: none (never looked at), optional (a token is verified when sent),
   *  required (401 without a valid token). On stacks without sign-in every route is "none". */
  auth: RouteAuth;
  /** An optional route becomes required when the stack requires sign-in for uploads or for downloads. */
  authFollows?: "upload" | "download";
  handle: ApiHandle;
}

export type RouteAuth = "none" | "optional" | "required";

export type RouteName =
  "page" | "getConfig" | "createUpload" | "listFiles" | "getFile" | "unlockFile" | "downloadFile" | "deleteFile";

export const ROUTES: readonly Route[] = [
  { name: "page", method: "GET", path: "/", summary: "The web page", auth: "none", handle: servePage },
  {
    name: "getConfig",
    method: "GET",
    path: "/config",
    summary: "The stack's limits and sign-in endpoints",
    auth: "none",
    handle: getConfig,
  },
  {
    name: "createUpload",
    method: "POST",
    path: "/uploads",
    summary: "Ask for a pre-signed upload URL",
    auth: "optional",
    authFollows: "upload",
    handle: createUpload,
  },
  {
    name: "listFiles",
    method: "GET",
    path: "/files",
    summary: "The signed-in user's shares, newest first",
    auth: "required",
    handle: listFiles,
  },
  {
    name: "getFile",
    method: "GET",
    path: "/files/{id}",
    summary: "Read a file's metadata",
    auth: "optional",
    authFollows: "download",
    handle: getFile,
  },
  {
    name: "unlockFile",
    method: "POST",
    path: "/files/{id}/unlock",
    summary: "Read a password share's metadata with its password",
    auth: "optional",
    authFollows: "download",
    handle: unlockFile,
  },
  {
    name: "downloadFile",
    method: "POST",
    path: "/files/{id}/download",
    summary: "Consume one download and get a pre-signed download URL",
    auth: "optional",
    authFollows: "download",
    handle: downloadFile,
  },
  {
    name: "deleteFile",
    method: "DELETE",
    path: "/files/{id}",
    summary: "Delete a file with its delete token or the owner's bearer token",
    auth: "optional",
    handle: deleteFile,
  },
];

/** A route's sign-in on a stack: what the gateway (API Gateway's authorizer, or the local one) enforces. */
export function routeAuth(
  route: Pick<Route, "auth" | "authFollows">,
  config: Pick<RuntimeConfig, "authIssuer" | "authUploadsRequireSignIn" | "authDownloadsRequireSignIn">,
): RouteAuth {
  if (config.authIssuer === "") return "none";
  if (route.auth !== "optional" || route.authFollows === undefined) return route.auth;
  const required = route.authFollows === "upload" ? config.authUploadsRequireSignIn : config.authDownloadsRequireSignIn;
  return required ? "required" : "optional";
}

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
