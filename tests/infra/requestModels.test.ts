// API Gateway's request models (draft 4) against the handlers' own body checks, on generated bodies. What runs
// here: the models exactly as the OpenAPI body hands them to API Gateway, checked with ajv's draft-04 validator,
// and the handlers' body parsing (parseJsonObject + the validation.ts function each route calls). Not proven:
// that API Gateway's own validator (Java, not ajv) judges every body as ajv does.
import assert from "node:assert/strict";
import Ajv from "ajv-draft-04";
import fc from "fast-check";
import { runtimeConfig } from "../../config/runtime";
import { defaultSettings } from "../../config/parse";
import { parseJsonObject } from "../../handlers/http";
import { ROUTES } from "../../handlers/api";
import {
  parseFileNumber,
  parsePartList,
  parseShareRequest,
  parseUnlockRequest,
  parseUploadRequest,
} from "../../handlers/validation";
import { MAX_PARTS_PER_REQUEST } from "../../contract/parts";
import { openApiDocument } from "../../infra/openapi";
import { BODY_VALIDATOR } from "../../infra/requestModels";
import { createLogger } from "../../handlers/log";

const ARNS = Object.fromEntries(ROUTES.map((r) => [r.name, `arn:invoke:${r.name}`]));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const doc: any = openApiDocument(ROUTES, ARNS, { corsOrigins: [] });
const ajv = new Ajv({ strict: true, allErrors: true });
const models = Object.fromEntries(
  Object.entries(doc.components.schemas as Record<string, object>).map(([name, schema]) => [name, ajv.compile(schema)]),
);

const settings = { ...defaultSettings(), maxFileSizeBytes: 1_000_000 };
const AUTH = {
  ...{ issuer: "https://issuer", clientId: "c", authorizationEndpoint: "a", tokenEndpoint: "t", jwksUrl: "j" },
  logoutEndpoint: "l",
  revocationEndpoint: "r",
};
const CONFIGS = [
  runtimeConfig(settings, "b", "t"),
  runtimeConfig({ ...settings, auth: "cognito" }, "b", "t", AUTH),
  runtimeConfig({ ...settings, allowedContentTypes: ["text/plain"] }, "b", "t"),
];

/** Whether the handler's own body checks accept `text` (a JSON body sent with Content-Type: application/json). */
const accepts: Record<string, (text: string) => boolean> = {
  UploadRequest: (text) => CONFIGS.some((config) => passes(() => parseUploadRequest(object(text), config))),
  UnlockRequest: (text) => passes(() => parseUnlockRequest(object(text))),
  ShareRequest: (text) => CONFIGS.some((config) => passes(() => parseShareRequest(object(text), config))),
  PartsRequest: (text) =>
    passes(() => withFile(text, (body) => parsePartList(body, 10000, "sha256", MAX_PARTS_PER_REQUEST))),
  CompleteRequest: (text) => passes(() => withFile(text, (body) => parsePartList(body, 10000, "etag", 10000))),
  // POST /uploads/{id}/url takes {} or {"file": n}.
  UrlRequest: (text) => passes(() => withFile(text, () => undefined)),
};

/** The body's `file` checked as the multipart and re-sign routes check it, then the rest by `check`. */
function withFile(text: string, check: (body: Record<string, unknown>) => unknown) {
  const body = object(text);
  parseFileNumber(body["file"]);
  return check(body);
}

function object(body: string) {
  const request = {
    ...{
      method: "POST",
      path: "/",
      pathParameters: {},
      query: {},
      baseUrl: "/",
      requestId: "r",
      sourceIp: "127.0.0.1",
    },
    headers: { "content-type": "application/json" },
    body,
    log: createLogger({}),
  };
  return parseJsonObject(request);
}

function passes(check: () => unknown): boolean {
  try {
    check();
    return true;
  } catch (e) {
    if ((e as { httpStatus?: number }).httpStatus === undefined) throw e;
    return false;
  }
}

// Values near the edges of what the schemas and handlers allow, mixed with any JSON.
const sha = fc.stringMatching(/^[A-Za-z0-9+/]{43}=$/);
const near = fc.oneof(
  fc.constantFrom(0, 1, -1, 1.5, 60, 10000, 10001, 1_000_000, 1_000_001, "", " ", "SHA256", "sha256", null, true),
  fc.constantFrom("a.txt", " a.txt ", "text/plain", "image/*", "a@example.com", "x".repeat(129), "password1"),
  sha,
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -5, max: 20000 }),
  fc.jsonValue({ maxDepth: 1 }),
);
/** Mostly a valid value, sometimes a near one. */
const field = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 6 }, { arbitrary: near, weight: 1 });
/** Almost always a valid value: for the fields of each file of a share, where one near value refuses the whole
 *  share, so that valid shares of several files are still common. */
const fileField = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 20 }, { arbitrary: near, weight: 1 });
/** Often absent (JSON.stringify drops undefined). */
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
/** Rarely absent. */
const required = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 20 });
const part = (name: "sha256" | "etag") =>
  fc.record({
    partNumber: required(field(fc.integer({ min: 1, max: 10000 }))),
    [name]: name === "sha256" ? optional(field(sha)) : required(field(fc.string({ minLength: 1, maxLength: 8 }))),
    extra: optional(near),
  });
/** The file a multipart or re-sign request means (absent = 1). */
const fileNumber = optional(field(fc.integer({ min: 1, max: 1000 })));
const parts = (name: "sha256" | "etag", max: number) =>
  fc.record({
    file: fileNumber,
    parts: required(field(fc.array(part(name), { minLength: 1, maxLength: max }))),
    extra: optional(near),
  });
/** Rarely present. */
const rarely = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 10 }, { arbitrary: arb, weight: 1 });
/** A file of a share of several files; an unknown field is rare, since one in any file refuses the whole share. */
const shareFile = fc.record({
  // Mostly distinct paths (a share of clashing names is refused whole, so clashes must not be the rule), sometimes
  // names that clash by case, by a file that is also a folder, or escape.
  fileName: required(
    fileField(
      fc.oneof(
        { arbitrary: fc.stringMatching(/^[a-z]{1,8}(\/[a-z]{1,8})?\.txt$/), weight: 4 },
        { arbitrary: fc.constantFrom("a.txt", "b/c.txt", "B/C.TXT", "../x", "d", "d/e"), weight: 1 },
      ),
    ),
  ),
  contentType: required(fileField(fc.constantFrom("text/plain", "application/pdf"))),
  size: required(fileField(fc.integer({ min: 1, max: 1_000_000 }))),
  sha256: optional(fileField(sha)),
  checksumAlgorithm: optional(fileField(fc.constant("SHA256"))),
  extra: rarely(near),
});
/** Encrypted metadata as clients send it (base64url), sometimes too long. */
const metadata = fc.oneof(
  { arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{40,80}$/), weight: 20 },
  { arbitrary: fc.constant("A".repeat(4097)), weight: 1 },
);
/** A file of an encrypted share: no name, a generic type or none, encryptedMetadata in their place. */
const encryptedFile = {
  encryptedMetadata: required(fileField(metadata)),
  contentType: optional(fileField(fc.constant("application/octet-stream"))),
  size: required(fileField(fc.integer({ min: 1, max: 1_000_000 }))),
  sha256: optional(fileField(sha)),
  fileName: rarely(near),
  extra: rarely(near),
};
const encryption = required(field(fc.constant("aes128gcm")));
const bodies: Record<string, fc.Arbitrary<unknown>> = {
  UploadRequest: fc.oneof(
    fc.record({ encryption, ...encryptedFile, password: optional(field(fc.string({ minLength: 8, maxLength: 20 }))) }),
    fc.record({
      fileName: required(field(fc.string({ minLength: 1, maxLength: 20 }))),
      contentType: required(field(fc.constantFrom("text/plain", "application/pdf", "a/b; q=1"))),
      size: required(field(fc.integer({ min: 1, max: 1_000_000 }))),
      sha256: optional(field(sha)),
      expiresInSeconds: optional(field(fc.integer({ min: 60, max: 604800 }))),
      maxDownloads: optional(field(fc.integer({ min: 1, max: 1000 }))),
      password: optional(field(fc.string({ minLength: 8, maxLength: 20 }))),
      recipients: optional(field(fc.array(fc.constantFrom("a@example.com", "B@Example.com "), { maxLength: 3 }))),
      checksumAlgorithm: optional(field(fc.constant("SHA256"))),
      // End-to-end encrypted: the handler then wants no fileName and encryptedMetadata in its place.
      encryption: optional(field(fc.constant("aes128gcm"))),
      encryptedMetadata: optional(field(metadata)),
      extra: optional(near),
    }),
  ),
  UnlockRequest: fc.record({ password: required(field(fc.string({ maxLength: 20 }))), extra: optional(near) }),
  PartsRequest: parts("sha256", 4),
  CompleteRequest: parts("etag", 4),
  UrlRequest: fc.record({ file: fileNumber, extra: optional(near) }),
  ShareRequest: fc.oneof(
    fc.record({
      encryption,
      files: required(field(fc.array(fc.record(encryptedFile), { minLength: 1, maxLength: 4 }))),
      encryptedTitle: optional(field(metadata)),
      title: optional(near),
      extra: optional(near),
    }),
    fc.record({
      files: required(field(fc.array(shareFile, { minLength: 1, maxLength: 4 }))),
      title: optional(field(fc.string({ minLength: 1, maxLength: 20 }))),
      encryptedTitle: optional(near),
      expiresInSeconds: optional(field(fc.integer({ min: 60, max: 604800 }))),
      maxDownloads: optional(field(fc.integer({ min: 1, max: 1000 }))),
      password: optional(field(fc.string({ minLength: 8, maxLength: 20 }))),
      recipients: optional(field(fc.array(fc.constantFrom("a@example.com", "B@Example.com "), { maxLength: 3 }))),
      extra: optional(near),
    }),
  ),
};
/** Any JSON text at all, not only objects. */
const anyJson = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v));

describe("API Gateway request models vs the handlers' body checks (ajv draft-04 on generated bodies; not API Gateway's own validator)", () => {
  it("gives every route with a JSON body the body validator and a draft-4 model, and no other route either", () => {
    assert.deepEqual(doc["x-amazon-apigateway-request-validators"], {
      body: { validateRequestBody: true, validateRequestParameters: false },
    });
    for (const route of ROUTES) {
      const op = doc.paths[route.path][route.method.toLowerCase()];
      assert.equal(op["x-amazon-apigateway-request-validator"], route.request && BODY_VALIDATOR, route.name);
    }
    assert.deepEqual(Object.keys(models).sort(), [
      "CompleteRequest",
      "PartsRequest",
      "ShareRequest",
      "UnlockRequest",
      "UploadRequest",
      "UrlRequest",
    ]);
    assert.deepEqual(Object.keys(accepts).sort(), Object.keys(models).sort(), "every model is checked below");
  });

  for (const name of [
    "UploadRequest",
    "ShareRequest",
    "UnlockRequest",
    "PartsRequest",
    "CompleteRequest",
    "UrlRequest",
  ]) {
    it(`${name}: every body the handler accepts, the model accepts too (generated valid and near-valid bodies)`, () => {
      let accepted = 0;
      let refused = 0;
      const text = fc.oneof(
        { arbitrary: (bodies[name] as fc.Arbitrary<unknown>).map((v) => JSON.stringify(v)), weight: 6 },
        { arbitrary: anyJson, weight: 1 },
      );
      fc.assert(
        fc.property(text, (body) => {
          if (accepts[name]!(body)) {
            accepted++;
            const model = models[name]!;
            assert.ok(model(JSON.parse(body)), `${body}\nhandler: accepted; model: ${ajv.errorsText(model.errors)}`);
          } else refused++;
        }),
        { numRuns: 1500 },
      );
      // The generators must reach both sides, or the property says nothing.
      assert.ok(accepted > 50 && refused > 50, `accepted ${accepted}, refused ${refused}`);
    });
  }

  it("refuses bad bodies at the model, as the handler does (wrong types, missing fields, out of range)", () => {
    const bad: [string, unknown][] = [
      ["UploadRequest", { fileName: "a.txt", contentType: "text/plain", size: "12" }],
      ["UploadRequest", { fileName: "a.txt", contentType: "text/plain" }],
      ["UploadRequest", { fileName: "a.txt", contentType: "text/plain", size: 0 }],
      ["UploadRequest", { fileName: "a.txt", contentType: "text/plain", size: 1, checksumAlgorithm: "MD5" }],
      ["UploadRequest", [{ fileName: "a.txt" }]],
      ["UploadRequest", { encryption: "aes128gcm", encryptedMetadata: "not base64url!".repeat(4), size: 1 }],
      ["UploadRequest", { encryption: "aes128gcm", encryptedMetadata: "A".repeat(4097), size: 1 }],
      ["UploadRequest", { encryption: "aes256gcm", encryptedMetadata: "A".repeat(40), size: 1 }],
      ["UnlockRequest", {}],
      ["UnlockRequest", { password: 12345678 }],
      ["PartsRequest", { parts: [] }],
      ["PartsRequest", { parts: [{ partNumber: 10001 }] }],
      ["CompleteRequest", { parts: [{ partNumber: 1 }] }],
      ["CompleteRequest", { file: 0, parts: [{ partNumber: 1, etag: "e" }] }],
      ["PartsRequest", { file: "2", parts: [{ partNumber: 1 }] }],
      ["UrlRequest", { file: 1.5 }],
      ["ShareRequest", { files: [] }],
      ["ShareRequest", { files: [{ fileName: "a.txt", contentType: "text/plain", size: 0 }] }],
      ["ShareRequest", { files: [{ fileName: "a.txt", contentType: "text/plain", size: 1 }], title: 5 }],
      ["ShareRequest", { fileName: "a.txt", contentType: "text/plain", size: 1 }],
    ];
    for (const [name, body] of bad) {
      assert.equal(models[name]!(body), false, `${name} ${JSON.stringify(body)}`);
      assert.equal(accepts[name]!(JSON.stringify(body)), false, `the handler refuses it too: ${JSON.stringify(body)}`);
    }
    assert.ok(models["UploadRequest"]!({ fileName: "a.txt", contentType: "text/plain", size: 1 }));
    const encrypted = { encryption: "aes128gcm", encryptedMetadata: "A".repeat(40), size: 1 };
    assert.ok(models["UploadRequest"]!(encrypted));
    assert.ok(accepts["UploadRequest"]!(JSON.stringify(encrypted)), "the handler accepts an encrypted upload too");
  });
});
