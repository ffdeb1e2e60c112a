// The route table: the single source for API Gateway (infra/api.ts), the local gateway (local/) and the docs.
import { ApiHandle } from "./http";
import { createUpload } from "./routes/createUpload";
import { deleteFile } from "./routes/deleteFile";
import { downloadFile } from "./routes/downloadFile";
import { getFile } from "./routes/getFile";
import { servePage } from "./routes/page";
import { completeUpload, listUploadParts, signUploadParts } from "./routes/uploadParts";

/** One HTTP route and the core that serves it. Each route gets its own Lambda function and IAM role. */
export interface Route {
  /** Names the Lambda function, its role and its log group. */
  name: RouteName;
  method: "GET" | "POST" | "DELETE";
  /** API Gateway path template, e.g. /files/{id}. */
  path: string;
  summary: string;
  handle: ApiHandle;
}

export type RouteName =
  | "page"
  | "createUpload"
  | "signUploadParts"
  | "listUploadParts"
  | "completeUpload"
  | "getFile"
  | "downloadFile"
  | "deleteFile";

export const ROUTES: readonly Route[] = [
  { name: "page", method: "GET", path: "/", summary: "The web page", handle: servePage },
  {
    name: "createUpload",
    method: "POST",
    path: "/uploads",
    summary: "Ask for a pre-signed upload URL, or start a multipart upload for a large file",
    handle: createUpload,
  },
  {
    name: "signUploadParts",
    method: "POST",
    path: "/uploads/{id}/parts",
    summary: "Get pre-signed URLs for parts of a multipart upload (owner only)",
    handle: signUploadParts,
  },
  {
    name: "listUploadParts",
    method: "GET",
    path: "/uploads/{id}/parts",
    summary: "List the parts S3 already holds, to resume a multipart upload (owner only)",
    handle: listUploadParts,
  },
  {
    name: "completeUpload",
    method: "POST",
    path: "/uploads/{id}/complete",
    summary: "Check the parts and complete a multipart upload (owner only)",
    handle: completeUpload,
  },
  { name: "getFile", method: "GET", path: "/files/{id}", summary: "Read a file's metadata", handle: getFile },
  {
    name: "downloadFile",
    method: "POST",
    path: "/files/{id}/download",
    summary: "Consume one download and get a pre-signed download URL",
    handle: downloadFile,
  },
  {
    name: "deleteFile",
    method: "DELETE",
    path: "/files/{id}",
    summary: "Delete a file with its delete token",
    handle: deleteFile,
  },
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
