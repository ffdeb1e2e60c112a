// The JSON bodies of the API (docs/api.md) as JSON Schemas, by name. Routes name them (routeTable.ts); the
// OpenAPI document (apiDocument.ts) publishes them under components/schemas, and API Gateway gets the request
// schemas as models (for request validators later). Kept to what OpenAPI 3.0 and API Gateway's JSON Schema
// draft 4 models share. A request schema checks types only: limits that depend on the stack's settings (size,
// share lifetime, content types) stay in validation.ts, which answers 413/415 where a schema could only say 400.

/** An OpenAPI 3.0 Schema Object (a JSON Schema subset). */
export type JsonSchema = { readonly [keyword: string]: unknown };

const string = { type: "string" } as const;
const integer = { type: "integer" } as const;
const dateTime = { type: "string", format: "date-time" } as const;
/** A file id: 128 random bits, base64url (ids.ts). */
const fileId = { type: "string", pattern: "^[A-Za-z0-9_-]{22}$" } as const;

export const SCHEMAS = {
  UploadRequest: {
    type: "object",
    required: ["fileName", "contentType", "size"],
    properties: {
      fileName: { ...string, description: "1–255 characters after trimming; no control characters" },
      contentType: { ...string, description: "a valid MIME type, in the stack's allow-list when it has one" },
      size: { ...integer, minimum: 1, description: "bytes, up to the stack's maximum (else 413)" },
      sha256: { ...string, pattern: "^[A-Za-z0-9+/]{43}=$", description: "base64 SHA-256 of the content" },
      expiresInSeconds: { ...integer, description: "how long the share lives; default and maximum from the stack" },
      maxDownloads: { ...integer, minimum: 1, description: "absent = the stack's default" },
    },
  },
  UploadCreated: {
    type: "object",
    required: ["id", "fileKey", "uploadUrl", "method", "headers", "expiresIn", "expiresAt", "shareUrl", "deleteToken"],
    properties: {
      id: fileId,
      fileKey: { ...string, pattern: "^uploads/[A-Za-z0-9_-]{22}$" },
      uploadUrl: { ...string, description: "pre-signed PUT" },
      method: { type: "string", enum: ["PUT"] },
      headers: {
        type: "object",
        additionalProperties: string,
        description: "exactly the headers to send with the PUT",
      },
      expiresIn: { ...integer, description: "the upload URL's lifetime, seconds" },
      expiresAt: { ...dateTime, description: "when the share ends" },
      shareUrl: string,
      deleteToken: { ...string, description: "secret, shown once" },
    },
  },
  FileMetadata: {
    type: "object",
    required: ["id", "fileName", "contentType", "size", "status", "createdAt", "expiresAt", "downloads"],
    properties: {
      id: fileId,
      fileName: string,
      contentType: string,
      size: integer,
      status: { type: "string", enum: ["pending", "available"] },
      createdAt: dateTime,
      expiresAt: dateTime,
      downloads: integer,
      maxDownloads: { ...integer, nullable: true, description: "null = unlimited" },
      downloadsRemaining: { ...integer, nullable: true, description: "null = unlimited" },
    },
  },
  DownloadGranted: {
    type: "object",
    required: ["downloadUrl", "expiresIn", "fileName", "contentType", "size"],
    properties: {
      downloadUrl: { ...string, description: "pre-signed GET" },
      expiresIn: integer,
      fileName: string,
      contentType: string,
      size: integer,
      downloadsRemaining: { ...integer, nullable: true, description: "null = unlimited" },
    },
  },
  Error: {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message"],
        properties: {
          code: { ...string, description: "one of the codes in docs/api.md" },
          message: { ...string, description: "what went wrong and how to fix it" },
        },
      },
    },
  },
  OpenApiDocument: { type: "object", description: "an OpenAPI 3.0 document", required: ["openapi", "paths"] },
} as const satisfies Record<string, JsonSchema>;

export type SchemaName = keyof typeof SCHEMAS;
