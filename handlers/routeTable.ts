// The route table: every route as data, the single source for API Gateway (infra/api.ts), the local gateway
// (local/gateway.ts), the Lambda functions (infra/functions.ts) and the OpenAPI document (apiDocument.ts).
// handlers/api.ts adds GET /openapi.json's handler, which serves the document built from this table.
import { createShare } from "./routes/createShare";
import { createUpload } from "./routes/createUpload";
import { deleteFile } from "./routes/deleteFile";
import { downloadFile } from "./routes/downloadFile";
import { getConfig } from "./routes/getConfig";
import { getFile } from "./routes/getFile";
import { listFiles } from "./routes/listFiles";
import { servePage } from "./routes/page";
import { unlockFile } from "./routes/unlockFile";
import { completeUpload, listUploadParts, signUploadParts } from "./routes/uploadParts";
import { renewUploadUrl } from "./routes/uploadUrl";
import type { ResponseSpec, Route, RouteSpec } from "./routeSpec";

const error = (description: string): ResponseSpec => ({ description, json: "Error" });

/** The owner of any share: the delete token, or (on stacks with sign-in) the owner's bearer token. */
const OWNER = {
  "X-Delete-Token": { required: false, description: "the deleteToken returned by POST /uploads" },
  Authorization: { required: false, description: "Bearer <ID token> of the share's owner, instead of the token" },
};

const MULTIPART_ERRORS: Readonly<Record<string, ResponseSpec>> = {
  "400": error("InvalidRequest: a bad part list; names the first bad part (number, size or ETag)"),
  "403": error("Forbidden: neither the delete token nor the owner's bearer token"),
  "404": error("NotFound: unknown id, or the share is not a multipart upload"),
  "409": error("Conflict: the upload is already complete or no longer open"),
  "410": error("Gone: the share expired"),
};

const unauthorized = error("Unauthorized: sign-in required, or the bearer token is missing, invalid or expired");

/** Every route but GET /openapi.json, which serves the document built from all of them. */
export const API_ROUTES: readonly Route[] = [
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
    name: "getConfig",
    method: "GET",
    path: "/config",
    summary: "The stack's limits and sign-in endpoints",
    needs: "none",
    auth: "none",
    responses: { "200": { description: "The stack's limits and how to sign in", json: "StackConfig" } },
    handler: getConfig,
  },
  {
    name: "createUpload",
    method: "POST",
    path: "/uploads",
    summary: "Ask for a pre-signed upload URL, or start a multipart upload for a large file",
    writes: true,
    needs: "data",
    auth: "optional",
    authFollows: "upload",
    request: "UploadRequest",
    headers: { Authorization: { required: false, description: "Bearer <ID token>: the share gets an owner" } },
    responses: {
      "201": {
        description: "The upload URL (or the multipart plan), the share link and the delete token",
        json: "UploadCreated",
      },
      "400": error("InvalidRequest: the body is not JSON, or a field is missing, of the wrong type or out of range"),
      "401": unauthorized,
      "413": error("TooLarge: size is above the stack's maximum"),
      "415": error("UnsupportedMediaType: contentType is not allowed on this stack"),
    },
    handler: createUpload,
  },
  {
    name: "createShare",
    method: "POST",
    path: "/shares",
    summary: "Create one share of several files (a folder): a pre-signed PUT or a multipart plan per file",
    writes: true,
    needs: "data",
    auth: "optional",
    authFollows: "upload",
    request: "ShareRequest",
    headers: { Authorization: { required: false, description: "Bearer <ID token>: the share gets an owner" } },
    responses: {
      "201": {
        description: "Per file its upload URL (or multipart plan), and the share link and delete token",
        json: "ShareCreated",
      },
      "400": error(
        "InvalidRequest: not JSON, a field missing or out of range, too many files, a bad or repeated name (files[i] named)",
      ),
      "401": unauthorized,
      "413": error("TooLarge: a file above maxFileSizeBytes, or all together above maxShareSizeBytes"),
      "415": error("UnsupportedMediaType: a file's contentType is not allowed on this stack"),
    },
    handler: createShare,
  },
  {
    name: "renewUploadUrl",
    method: "POST",
    path: "/uploads/{id}/url",
    summary: "Get a fresh pre-signed PUT for a pending single-PUT share, when the first expired (owner only)",
    writes: true,
    needs: "data",
    auth: "optional", // the owner proves it with the delete token or a bearer token, checked by the handler
    request: "UrlRequest",
    headers: OWNER,
    responses: {
      "200": { description: "A fresh upload URL with the same signed headers", json: "UploadUrl" },
      "400": error("InvalidRequest: the body is not a JSON object"),
      "401": unauthorized,
      "403": error("Forbidden: wrong or missing delete token, or not the owner"),
      "404": error("NotFound: unknown id, no such file, or the file goes up in parts (use /uploads/{id}/parts)"),
      "409": error("Conflict: the file has been uploaded already"),
      "410": error("Gone: the share expired"),
    },
    handler: renewUploadUrl,
  },
  {
    name: "listFiles",
    method: "GET",
    path: "/files",
    summary: "The signed-in user's shares, newest first (?limit=, ?cursor=)",
    needs: "data",
    auth: "required",
    responses: {
      "200": { description: "One page of the caller's shares", json: "FileList" },
      "400": error("InvalidRequest: bad limit or a cursor that is not this user's"),
      "401": unauthorized,
    },
    handler: listFiles,
  },
  {
    name: "signUploadParts",
    method: "POST",
    path: "/uploads/{id}/parts",
    summary: "Get pre-signed URLs for parts of a multipart upload (owner only)",
    writes: true,
    needs: "data",
    auth: "none", // the owner proves it with the delete token, checked by the handler
    request: "PartsRequest",
    headers: OWNER,
    responses: {
      "200": { description: "One URL per part asked for", json: "PartUrls" },
      ...MULTIPART_ERRORS,
    },
    handler: signUploadParts,
  },
  {
    name: "listUploadParts",
    method: "GET",
    path: "/uploads/{id}/parts",
    summary: "List the parts S3 already holds, to resume a multipart upload (owner only)",
    needs: "data",
    auth: "none",
    headers: OWNER,
    responses: {
      "200": { description: "The parts S3 holds", json: "StoredParts" },
      ...MULTIPART_ERRORS,
    },
    handler: listUploadParts,
  },
  {
    name: "completeUpload",
    method: "POST",
    path: "/uploads/{id}/complete",
    summary: "Check the parts and complete a multipart upload (owner only)",
    writes: true,
    needs: "data",
    auth: "none",
    request: "CompleteRequest",
    headers: OWNER,
    responses: {
      "200": { description: "Completed; the file's metadata (pending until S3 confirms it)", json: "FileMetadata" },
      ...MULTIPART_ERRORS,
    },
    handler: completeUpload,
  },
  {
    name: "getFile",
    method: "GET",
    path: "/files/{id}",
    summary: "Read a file's metadata (a browser asking for text/html gets the web page)",
    needs: "data",
    auth: "optional",
    authFollows: "download",
    responses: {
      "200": {
        description: "The file's metadata (no name or type before a password is given)",
        json: "FileMetadata",
        html: true,
      },
      "401": unauthorized,
      "403": error("Forbidden: a recipients share not addressed to the caller"),
      "404": error("NotFound: unknown or deleted id"),
      "410": error("Gone: expired, or no downloads left"),
    },
    handler: getFile,
  },
  {
    name: "unlockFile",
    method: "POST",
    path: "/files/{id}/unlock",
    summary: "Read a password share's metadata with its password (consumes no download)",
    needs: "data",
    auth: "optional",
    authFollows: "download",
    request: "UnlockRequest",
    responses: {
      "200": { description: "The file's full metadata", json: "FileMetadata" },
      "400": error("InvalidRequest: the body is not JSON or has no password"),
      "401": unauthorized,
      "403": error("WrongPassword, or Forbidden: a recipients share not addressed to the caller"),
      "404": error("NotFound: unknown or deleted id"),
      "410": error("Gone: expired, or no downloads left"),
      "429": error("TooManyAttempts: too many wrong passwords; see Retry-After"),
    },
    handler: unlockFile,
  },
  {
    name: "downloadFile",
    method: "POST",
    path: "/files/{id}/download",
    summary: "Consume one download and get a pre-signed download URL",
    needs: "data",
    auth: "optional",
    authFollows: "download",
    responses: {
      "200": { description: "A short-lived download URL", json: "DownloadGranted" },
      "401": unauthorized,
      "403": error("WrongPassword, or Forbidden: a recipients share not addressed to the caller"),
      "404": error("NotFound: unknown or deleted id"),
      "409": error("NotReady: the upload has not arrived in S3 yet"),
      "410": error("Gone: expired, or no downloads left"),
      "429": error("TooManyAttempts: too many wrong passwords; see Retry-After"),
    },
    handler: downloadFile,
  },
  {
    name: "deleteFile",
    method: "DELETE",
    path: "/files/{id}",
    summary: "Delete a file with its delete token or the owner's bearer token",
    writes: true,
    needs: "data",
    auth: "optional",
    headers: OWNER,
    responses: {
      "204": { description: "Deleted: the object and the record are gone" },
      "401": unauthorized,
      "403": error("Forbidden: wrong or missing delete token, or not the owner"),
      "404": error("NotFound: unknown id"),
    },
    handler: deleteFile,
  },
];

export const OPENAPI_ROUTE: RouteSpec = {
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
