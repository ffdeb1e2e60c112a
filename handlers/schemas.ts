// The JSON bodies of the API (docs/api.md) as JSON Schemas, by name. Routes name them (routeTable.ts); the
// OpenAPI document (apiDocument.ts) publishes them under components/schemas, and API Gateway gets the request
// schemas as models (for request validators later). Kept to what OpenAPI 3.0 and API Gateway's JSON Schema
// draft 4 models share. A request schema checks types only: limits that depend on the stack's settings (size,
// share lifetime, content types) stay in validation.ts, which answers 413/415 where a schema could only say 400.

import { SHA256_BASE64 } from "../contract/api";
import { FILE_ID } from "../contract/ids";
import { MAX_PARTS, MAX_PARTS_PER_REQUEST } from "../contract/parts";
import { MAX_FILES_PER_SHARE_LIMIT } from "../config/schema";
import { KEY_NAME, UPLOAD_PREFIX } from "./ids";

/** An OpenAPI 3.0 Schema Object (a JSON Schema subset). */
export type JsonSchema = { readonly [keyword: string]: unknown };

const string = { type: "string" } as const;
const integer = { type: "integer" } as const;
const dateTime = { type: "string", format: "date-time" } as const;
/** A file id: 128 random bits, base64url (contract/ids.ts). */
const fileId = { type: "string", pattern: FILE_ID.source } as const;
/** A base64 SHA-256. */
const sha256 = { type: "string", pattern: SHA256_BASE64.source } as const;
/** A file's number in its share (docs/api.md v1.2), from 1; absent = 1. */
const fileNumber = {
  type: "integer",
  minimum: 1,
  maximum: MAX_FILES_PER_SHARE_LIMIT,
  description: "the file's number in its share (from 1, in the order of POST /shares); absent = 1",
} as const;
/** A part number S3 accepts. */
const partNumber = { type: "integer", minimum: 1, maximum: MAX_PARTS } as const;

/** The fields of one file, in POST /uploads and in each entry of POST /shares. */
const FILE_PROPERTIES = {
  fileName: { ...string, description: "1–255 characters (code points) after trimming; no control characters" },
  contentType: {
    ...string,
    description: "a valid MIME type without tabs or repeated spaces, in the stack's allow-list when it has one",
  },
  size: { ...integer, minimum: 1, description: "bytes, up to the stack's maximum (else 413)" },
  sha256: { ...sha256, description: "base64 SHA-256 of the content" },
  checksumAlgorithm: {
    type: "string",
    enum: ["SHA256"],
    description: "multipart only: each part's URL signs the part's SHA-256, and S3 checks it",
  },
} as const;

/** The options of a share, in POST /uploads and POST /shares. */
const SHARE_OPTIONS = {
  expiresInSeconds: { ...integer, description: "how long the share lives; default and maximum from the stack" },
  maxDownloads: { ...integer, minimum: 1, description: "absent = the stack's default" },
  password: { ...string, description: "8–128 characters; the link then asks for it (sign-in stacks only)" },
  recipients: {
    type: "array",
    items: string,
    description: "email addresses; only they (signed in) may open the share (sign-in stacks only)",
  },
} as const;

/** One file of a share as GET /files/{id} shows it (a password share shows only file, size and status until unlocked). */
const SHARE_FILE = {
  type: "object",
  required: ["file", "size", "status"],
  properties: {
    file: integer,
    fileName: string,
    contentType: string,
    size: integer,
    sha256: string,
    status: { type: "string", enum: ["pending", "available", "rejected"] },
    reason: { ...string, description: "why the stored object was refused (status rejected)" },
  },
} as const;

export const SCHEMAS = {
  UploadRequest: {
    type: "object",
    required: ["fileName", "contentType", "size"],
    properties: { ...FILE_PROPERTIES, ...SHARE_OPTIONS },
  },
  ShareRequest: {
    type: "object",
    required: ["files"],
    properties: {
      files: {
        type: "array",
        minItems: 1,
        maxItems: MAX_FILES_PER_SHARE_LIMIT,
        description: "1 to the stack's maxFilesPerShare files, numbered from 1 in this order",
        items: {
          type: "object",
          required: ["fileName", "contentType", "size"],
          properties: {
            ...FILE_PROPERTIES,
            fileName: {
              ...string,
              description:
                "a relative path with / between folders: no empty, . or .. segment, no \\; unique ignoring case",
            },
          },
        },
      },
      title: { ...string, description: "1–255 characters after trimming" },
      ...SHARE_OPTIONS,
    },
  },
  UnlockRequest: {
    type: "object",
    required: ["password"],
    properties: { password: { ...string, description: "the share's password" } },
  },
  UrlRequest: {
    type: "object",
    properties: { file: fileNumber },
  },
  UploadUrl: {
    type: "object",
    required: ["uploadUrl", "method", "headers", "expiresIn"],
    properties: {
      uploadUrl: { ...string, description: "pre-signed PUT, signed for the same headers as the first" },
      method: { type: "string", enum: ["PUT"] },
      headers: { type: "object", additionalProperties: string, description: "exactly the headers to send" },
      expiresIn: { ...integer, description: "the URL's lifetime, seconds (never past the share's end)" },
    },
  },
  UploadCreated: {
    type: "object",
    required: ["id", "fileKey", "method", "expiresAt", "shareUrl", "deleteToken"],
    description: "method PUT: uploadUrl, headers and expiresIn are set; method MULTIPART: multipart is set",
    properties: {
      id: fileId,
      fileKey: {
        ...string,
        pattern: `^${UPLOAD_PREFIX}${KEY_NAME.source.slice(1)}`,
        description: "the S3 key: uploads/ + the key name, a SHA-256 of the id (ids.ts); it never contains the id",
      },
      uploadUrl: { ...string, description: "pre-signed PUT (method PUT)" },
      method: { type: "string", enum: ["PUT", "MULTIPART"] },
      multipart: {
        type: "object",
        required: ["partSize", "partCount"],
        properties: { partSize: integer, partCount: integer },
        description: "the plan (method MULTIPART): every part but the last is partSize bytes",
      },
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
    required: ["id", "size", "status", "createdAt", "expiresAt", "downloads", "passwordRequired"],
    properties: {
      passwordRequired: { type: "boolean", description: "true: fileName and contentType come from unlock" },
      id: fileId,
      fileName: { ...string, description: "absent on a password share until unlocked" },
      contentType: { ...string, description: "absent on a password share until unlocked" },
      size: integer,
      status: { type: "string", enum: ["pending", "available"] },
      createdAt: dateTime,
      expiresAt: dateTime,
      downloads: integer,
      maxDownloads: { ...integer, nullable: true, description: "null = unlimited" },
      downloadsRemaining: { ...integer, nullable: true, description: "null = unlimited" },
      sha256: { ...string, description: "base64 SHA-256 the uploader declared, when it did" },
      title: { ...string, description: "the share's title, when it was given one" },
      fileCount: integer,
      totalSize: { ...integer, description: "bytes, all files together" },
      files: { type: "array", items: SHARE_FILE },
    },
  },
  ShareCreated: {
    type: "object",
    required: ["id", "shareUrl", "deleteToken", "expiresAt", "files"],
    properties: {
      id: fileId,
      shareUrl: string,
      deleteToken: { ...string, description: "secret, shown once" },
      expiresAt: { ...dateTime, description: "when the share ends" },
      files: {
        type: "array",
        items: {
          type: "object",
          required: ["file", "method"],
          description: "method PUT: uploadUrl, headers and expiresIn are set; method MULTIPART: multipart is set",
          properties: {
            file: integer,
            method: { type: "string", enum: ["PUT", "MULTIPART"] },
            uploadUrl: { ...string, description: "pre-signed PUT (method PUT)" },
            headers: { type: "object", additionalProperties: string, description: "exactly the headers to send" },
            expiresIn: { ...integer, description: "the upload URL's lifetime, seconds" },
            multipart: {
              type: "object",
              required: ["partSize", "partCount"],
              properties: { partSize: integer, partCount: integer },
            },
          },
        },
      },
    },
  },
  PartsRequest: {
    type: "object",
    required: ["parts"],
    properties: {
      file: fileNumber,
      parts: {
        type: "array",
        minItems: 1,
        maxItems: MAX_PARTS_PER_REQUEST,
        items: {
          type: "object",
          required: ["partNumber"],
          properties: {
            partNumber,
            sha256: { ...sha256, description: "with checksumAlgorithm SHA256" },
          },
        },
      },
    },
  },
  PartUrls: {
    type: "object",
    required: ["parts", "expiresIn"],
    properties: {
      parts: {
        type: "array",
        items: {
          type: "object",
          required: ["partNumber", "url", "headers"],
          properties: {
            partNumber: integer,
            url: { ...string, description: "pre-signed UploadPart (PUT) for exactly this part's length" },
            headers: { type: "object", additionalProperties: string, description: "exactly the headers to send" },
          },
        },
      },
      expiresIn: { ...integer, description: "the part URLs' lifetime, seconds (never past the share's end)" },
    },
  },
  StoredParts: {
    type: "object",
    required: ["parts"],
    properties: {
      parts: {
        type: "array",
        items: {
          type: "object",
          required: ["partNumber", "etag", "size"],
          properties: { partNumber: integer, etag: string, size: integer, sha256: string },
        },
      },
    },
  },
  CompleteRequest: {
    type: "object",
    required: ["parts"],
    properties: {
      file: fileNumber,
      parts: {
        type: "array",
        minItems: 1,
        maxItems: MAX_PARTS,
        description: "every part from 1 to partCount, once, in order",
        items: {
          type: "object",
          required: ["partNumber", "etag"],
          properties: { partNumber, etag: string },
        },
      },
    },
  },
  DownloadGranted: {
    type: "object",
    required: ["downloads"],
    description: "a one-file share also has downloadUrl, expiresIn, fileName, contentType and size at the top (v1)",
    properties: {
      downloadUrl: { ...string, description: "pre-signed GET" },
      expiresIn: integer,
      fileName: string,
      contentType: string,
      size: integer,
      downloadsRemaining: { ...integer, nullable: true, description: "null = unlimited" },
      downloads: {
        type: "array",
        description: "one per file granted (all, or those asked for in files)",
        items: {
          type: "object",
          required: ["file", "fileName", "contentType", "size", "downloadUrl", "expiresIn"],
          properties: {
            file: integer,
            fileName: string,
            contentType: string,
            size: integer,
            downloadUrl: { ...string, description: "pre-signed GET" },
            expiresIn: integer,
          },
        },
      },
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
  FileList: {
    type: "object",
    required: ["files", "nextCursor"],
    properties: {
      files: {
        type: "array",
        items: { type: "object", description: "FileMetadata plus shareUrl, and recipients on a recipients share" },
      },
      nextCursor: { ...string, nullable: true, description: "pass as ?cursor= for the next page; null at the end" },
    },
  },
  StackConfig: {
    type: "object",
    required: ["apiVersion", "limits", "auth", "apiKeys"],
    properties: {
      apiVersion: string,
      limits: { type: "object", description: "the stack's size, lifetime and download limits" },
      auth: { type: "object", nullable: true, description: "OIDC sign-in endpoints; null without sign-in" },
      apiKeys: {
        type: "boolean",
        description: "true: the write routes need an API key (x-api-key) from callers that are not signed in",
      },
    },
  },
  OpenApiDocument: { type: "object", description: "an OpenAPI 3.0 document", required: ["openapi", "paths"] },
} as const satisfies Record<string, JsonSchema>;

export type SchemaName = keyof typeof SCHEMAS;
