// fileshare:apiKeys: the authorizer's decision as a unit, the keys, usage plans and API definition under Pulumi mocks
// (resource inputs: not a deployed API), and the authorizer's serialized code run from its archive alone. Not proven
// here: that API Gateway meters the usageIdentifierKey the authorizer returns (AWS documents it; only AWS shows it).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import * as pulumi from "@pulumi/pulumi";
import { authorizeWrite, KEY_NEEDED, writeCaller } from "../../handlers/apiKeys";
import { unauthorized } from "../../handlers/errors";
import { ROUTES } from "../../handlers/api";
import { LambdaProcess, layOut } from "../lambda/archive";
import { isSecretInput, stackConfigText, unsecret, valueOf, buildProgram } from "./mocks";
import { OTHER_ENV_NAMES } from "../../config/runtime";

const METHOD = "arn:aws:execute-api:eu-west-1:123456789012:abc/dev/POST/uploads";
const verify = async (token: string) => {
  if (token !== "a.good.token") throw unauthorized("bad token");
  return { sub: "alice-sub" };
};
const request = (headers: Record<string, string>) =>
  ({ type: "REQUEST", methodArn: METHOD, headers }) as unknown as APIGatewayRequestAuthorizerEvent;
const allow = (principalId: string, key: string) => ({
  principalId,
  policyDocument: {
    Version: "2012-10-17",
    Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: METHOD }],
  },
  usageIdentifierKey: key,
});

async function build(stack: "dev" | "prod", extra: Record<string, string>) {
  const run = await buildProgram(stack, {
    ...stackConfigText(stack),
    ...extra,
  });
  const ofType = (t: string) => run.resources.filter((r) => r.type === t);
  const body = JSON.parse(ofType("aws:apigateway/restApiPut:RestApiPut")[0]!.inputs["body"]);
  return { ofType, body, app: run.result };
}

const KEYS_ON = {
  "fileshare:auth": "cognito",
  "fileshare:apiKeys": "true",
  "fileshare:apiKeyRateLimit": "7",
  "fileshare:apiKeyBurstLimit": "14",
  "fileshare:apiKeyDailyQuota": "5000",
};

describe("API keys: who may call a write route (the authorizer's decision, unit)", () => {
  it("lets a signed-in caller through without a key, metered on the page key", async () => {
    assert.deepEqual(
      await authorizeWrite(request({ Authorization: "Bearer a.good.token" }), verify, "PAGEKEY"),
      allow("alice-sub", "PAGEKEY"),
    );
  });
  it('answers 401 ("Unauthorized") for a bad bearer token, even with a key: a bad token never falls back to the key', async () => {
    await assert.rejects(
      authorizeWrite(request({ authorization: "Bearer a.bad.token", "x-api-key": "k" }), verify, "P"),
      /^Error: Unauthorized$/,
    );
    await assert.rejects(authorizeWrite(request({ authorization: "Basic xyz" }), verify, "P"), /^Error: Unauthorized$/);
  });
  it("passes a caller's x-api-key on for API Gateway to check and meter, and denies a caller with neither (403)", async () => {
    assert.deepEqual(
      await authorizeWrite(request({ "X-Api-Key": "client-key" }), verify, "P"),
      allow("api-key", "client-key"),
    );
    const denied = await authorizeWrite(request({}), verify, "P");
    assert.equal(denied.policyDocument.Statement[0]!.Effect, "Deny");
    assert.equal("usageIdentifierKey" in denied, false);
    await assert.rejects(writeCaller({ "x-api-key": "  " }, verify), { message: KEY_NEEDED, httpStatus: 403 });
  });
});

describe("API keys on AWS (fileshare:apiKeys; resource inputs under mocks)", function () {
  this.timeout(600_000); // whole-program builds under mocks on a busy machine: a deadline for hangs only

  it("creates no key, plan or authorizer and no key source when apiKeys is off", async () => {
    const { ofType, body } = await build("dev", {
      "fileshare:auth": "cognito",
      "fileshare:authUploadsRequireSignIn": "true",
    });
    for (const t of ["aws:apigateway/apiKey:ApiKey", "aws:apigateway/usagePlan:UsagePlan"])
      assert.equal(ofType(t).length, 0);
    assert.equal(body["x-amazon-apigateway-api-key-source"], undefined);
    assert.deepEqual(body.paths["/uploads"].post.security, [{ cognito: [] }]);
  });

  it("requires a key or sign-in on exactly the write routes, through the REQUEST authorizer with key source AUTHORIZER", async () => {
    const { ofType, body } = await build("dev", KEYS_ON);
    assert.equal(body["x-amazon-apigateway-api-key-source"], "AUTHORIZER");
    const authorizer = ofType("aws:lambda/function:Function").find((f) => f.name === "fileshare-keyAuthorizer")!;
    assert.deepEqual(body.components.securitySchemes.api_key, { type: "apiKey", name: "x-api-key", in: "header" });
    assert.deepEqual(body.components.securitySchemes.signInOrApiKey["x-amazon-apigateway-authorizer"], {
      type: "request",
      authorizerUri: authorizer.outputs["invokeArn"],
      authorizerResultTtlInSeconds: 0,
    });
    // The ARN reaches the definition after the API is built (the authorizer meters its stage): it still waits for it.
    const definition = ofType("aws:apigateway/restApiPut:RestApiPut")[0]!;
    assert.ok(definition.dependencies.includes(authorizer.urn), "the definition is put after the authorizer exists");
    const keyed = ROUTES.filter((r) => body.paths[r.path][r.method.toLowerCase()].security?.[0]?.api_key).map(
      (r) => r.name,
    );
    assert.deepEqual(keyed.sort(), [
      "completeUpload",
      "createShare",
      "createUpload",
      "deleteFile",
      "renewUploadUrl",
      "signUploadParts",
    ]);
    for (const name of keyed) {
      const r = ROUTES.find((x) => x.name === name)!;
      assert.deepEqual(body.paths[r.path][r.method.toLowerCase()].security, [{ signInOrApiKey: [], api_key: [] }]);
    }
    assert.deepEqual(
      body.paths["/files"].get.security,
      [{ cognito: [] }],
      "reading your list still needs sign-in only",
    );
    assert.equal(body.paths["/files/{id}/download"].post.security, undefined, "share links need no key");
    const invalid = body["x-amazon-apigateway-gateway-responses"].INVALID_API_KEY;
    assert.equal(invalid.statusCode, "403");
    assert.match(invalid.responseTemplates["application/json"], /"code":"Forbidden"/);
  });

  it("makes a usage plan for machine clients (throttle and daily quota from config) and one for the page key, both on this stage, each bound to its key", async () => {
    const { ofType } = await build("dev", KEYS_ON);
    const restApi = ofType("aws:apigateway/restApi:RestApi")[0]!;
    const plans = Object.fromEntries(ofType("aws:apigateway/usagePlan:UsagePlan").map((p) => [p.inputs["name"], p]));
    assert.deepEqual(Object.keys(plans).sort(), ["fileshare-dev-clients", "fileshare-dev-page"]);
    const clients = plans["fileshare-dev-clients"]!.inputs;
    assert.deepEqual(clients["apiStages"], [{ apiId: restApi.id, stage: "dev" }]);
    assert.deepEqual(clients["throttleSettings"], { rateLimit: 7, burstLimit: 14 });
    assert.deepEqual(clients["quotaSettings"], { limit: 5000, period: "DAY" });
    const page = plans["fileshare-dev-page"]!.inputs;
    assert.deepEqual(page["apiStages"], [{ apiId: restApi.id, stage: "dev" }]);
    assert.deepEqual(page["throttleSettings"], { rateLimit: 5, burstLimit: 10 }, "dev's stage throttle");
    assert.equal(page["quotaSettings"], undefined, "shared by every signed-in user: no per-key quota");
    const keys = Object.fromEntries(ofType("aws:apigateway/apiKey:ApiKey").map((k) => [k.inputs["name"], k]));
    const bindings = ofType("aws:apigateway/usagePlanKey:UsagePlanKey").map((b) => [
      b.inputs["usagePlanId"],
      b.inputs["keyId"],
    ]);
    assert.deepEqual(
      bindings.sort(),
      [
        [plans["fileshare-dev-clients"]!.id, keys["fileshare-dev-clients"]!.id],
        [plans["fileshare-dev-page"]!.id, keys["fileshare-dev-page"]!.id],
      ].sort(),
    );
    const pageKey = keys["fileshare-dev-page"]!;
    assert.ok(isSecretInput(pageKey.inputs["value"]), "the page key's value is a secret in the state");
    assert.match(unsecret(pageKey.inputs["value"]), /^[0-9a-f]{40}$/);
    assert.deepEqual(pageKey.ignoreChanges, ["value"], "made once, never rotated by a later run");
    assert.equal(keys["fileshare-dev-clients"]!.inputs["value"], undefined, "the clients' key is made by AWS");
  });

  it("gives the authorizer the page key and the pool's issuer as (secret) env, a logs-only role, and lets only this API's authorizers invoke it", async () => {
    const { ofType, app } = await build("dev", KEYS_ON);
    const fn = ofType("aws:lambda/function:Function").find((f) => f.name === "fileshare-keyAuthorizer")!;
    assert.ok(isSecretInput(fn.inputs["environment"]));
    const env = unsecret(fn.inputs["environment"]).variables;
    const pageKey = ofType("aws:apigateway/apiKey:ApiKey").find((k) => k.inputs["name"] === "fileshare-dev-page")!;
    assert.equal(env[OTHER_ENV_NAMES.pageApiKey], unsecret(pageKey.inputs["value"]));
    assert.match(env.FILESHARE_AUTH_ISSUER, /^https:\/\/cognito-idp\.eu-west-1\.amazonaws\.com\//);
    const policy = JSON.parse(
      ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "fileshare-keyAuthorizer-policy")!.inputs[
        "policy"
      ],
    );
    assert.deepEqual(
      policy.Statement.map((s: { Action: string[] }) => s.Action),
      [["logs:CreateLogStream", "logs:PutLogEvents"]],
    );
    const permission = ofType("aws:lambda/permission:Permission").find(
      (p) => p.name === "fileshare-keyAuthorizer-invoke",
    )!;
    const restApi = ofType("aws:apigateway/restApi:RestApi")[0]!;
    assert.equal(permission.inputs["principal"], "apigateway.amazonaws.com");
    assert.equal(permission.inputs["sourceArn"], `${restApi.outputs["executionArn"]}/authorizers/*`);
    assert.equal(
      await valueOf(app.clientApiKeyId!),
      ofType("aws:apigateway/apiKey:ApiKey").find((k) => k.inputs["name"] === "fileshare-dev-clients")!.id,
    );
  });

  it("runs the authorizer's serialized code from its archive alone (jose only): a key passes, nothing is denied, a token on a stack without sign-in is 401", async () => {
    const { app } = await build("dev", { "fileshare:apiKeys": "true" });
    const code = (await valueOf(app.apiKeys!.authorizer.code)) as pulumi.asset.AssetArchive;
    const assets = await code.assets;
    const folders = Object.keys(assets).filter((k) => k !== "__index.js");
    assert.deepEqual(folders, ["node_modules/jose"], "jose only: no SDK, no other package");
    const indexJs = await (assets["__index.js"] as pulumi.asset.StringAsset).text;
    const env = unsecret(await valueOf(app.apiKeys!.authorizer.environment))!.variables as Record<string, string>;
    const root = await mkdtemp(join(tmpdir(), "fileshare-authorizer-"));
    const fn = {
      name: "keyAuthorizer",
      indexJs,
      folders,
      layers: [],
      runtime: "",
      timeout: 5,
      memorySize: 128,
      environment: env,
    };
    let lambda: LambdaProcess | undefined;
    try {
      await layOut(fn, root);
      lambda = new LambdaProcess(root, env, "");
      const key = (await lambda.invoke(request({ "x-api-key": "client-key" }))) as ReturnType<typeof allow>;
      assert.deepEqual(key, allow("api-key", "client-key"));
      const none = (await lambda.invoke(request({}))) as ReturnType<typeof allow>;
      assert.equal(none.policyDocument.Statement[0]!.Effect, "Deny");
      await assert.rejects(lambda.invoke(request({ authorization: "Bearer a.b.c" })), /^Error: Unauthorized$/);
    } finally {
      lambda?.stop();
      await rm(root, { recursive: true, force: true });
    }
  });
});
