// Sign-in on AWS under Pulumi mocks: resource inputs only. Not proven here: that Cognito accepts them, that
// the hosted sign-in works, or that API Gateway's authorizer behaves as the local gateway does.
import assert from "node:assert/strict";
import { readYaml, RecordedResource, stackConfigText, unsecret, valueOf, buildProgram } from "./mocks";

const POOL = "aws:cognito/userPool:UserPool";
const CLIENT = "aws:cognito/userPoolClient:UserPoolClient";
const DOMAIN = "aws:cognito/userPoolDomain:UserPoolDomain";
const PAGE = "https://abc123.execute-api.eu-west-1.amazonaws.com/dev/";
// Stated in full (not left to the stack files, whose sign-in settings differ): sign-in with uploads requiring it.
const COGNITO = {
  "fileshare:auth": "cognito",
  "fileshare:authUploadsRequireSignIn": "true",
  "fileshare:authCallbackUrls": JSON.stringify([PAGE]),
};

async function build(stack: "dev" | "prod", extra: Record<string, string>) {
  const run = await buildProgram(stack, {
    ...stackConfigText(stack),
    ...extra,
  });
  const ofType = (t: string) => run.resources.filter((r) => r.type === t);
  const one = (t: string): RecordedResource => {
    const found = ofType(t);
    assert.equal(found.length, 1, `one ${t}`);
    return found[0]!;
  };
  return { run, ofType, one, app: run.result };
}

describe("sign-in on AWS (Cognito, resource inputs under mocks; not a deployed user pool)", function () {
  // Whole-program builds under mocks on a busy machine: a deadline for hangs only.
  this.timeout(600_000);
  it("creates no user pool, authorizer or sign-in outputs with auth none", async () => {
    const { ofType, one, app } = await build("dev", { "fileshare:auth": "none" });
    assert.equal(ofType(POOL).length + ofType(CLIENT).length + ofType(DOMAIN).length, 0);
    // The document always publishes its schemas; without sign-in it has no security scheme.
    assert.equal(
      JSON.parse(one("aws:apigateway/restApiPut:RestApiPut").inputs["body"]).components?.securitySchemes,
      undefined,
    );
    assert.equal(app.auth, undefined);
  });

  it("lists the page's own URL as callback and sign-out URL on the first deploy, with no callback configured (no cycle client -> functions -> API)", async () => {
    const { one, ofType, app } = await build("dev", {
      "fileshare:auth": "cognito",
      "fileshare:authCallbackUrls": "[]",
    });
    const pageUrl = await valueOf(app.apiUrl);
    const restApi = one("aws:apigateway/restApi:RestApi");
    // The URL is built from the RestApi's id alone, and the RestApi has no body: nothing it needs waits for the client.
    assert.equal(pageUrl, `https://${restApi.id}.execute-api.eu-west-1.amazonaws.com/dev/`);
    assert.equal(restApi.inputs["body"], undefined);
    assert.deepEqual(one(CLIENT).inputs["callbackUrls"], [pageUrl]);
    assert.deepEqual(one(CLIENT).inputs["logoutUrls"], [pageUrl]);
    // The URL reaches the client before the API's component is built: the client still waits for the RestApi,
    // and for nothing that waits for the client.
    assert.ok(one(CLIENT).dependencies.includes(restApi.urn), "the client is made after the RestApi");
    assert.ok(!one(CLIENT).dependencies.includes(one("aws:apigateway/restApiPut:RestApiPut").urn));
    // ...and the definition carries the functions that carry the client id: the chain really exists.
    const createUpload = one("aws:apigateway/restApiPut:RestApiPut").inputs["body"];
    assert.ok(createUpload.includes("function:fileshare-dev-createUpload/invocations"));
    const fn = ofType("aws:lambda/function:Function").find((f) => f.name === "fileshare-createUpload")!;
    assert.equal(unsecret(fn.inputs["environment"]).variables.FILESHARE_AUTH_CLIENT_ID, one(CLIENT).id);
  });

  it("makes a user pool with email user names, verified email, a strong password policy and MFA per config", async () => {
    const { one } = await build("dev", { ...COGNITO, "fileshare:authMfa": "required" });
    const pool = one(POOL);
    assert.deepEqual(pool.inputs["usernameAttributes"], ["email"]);
    assert.deepEqual(pool.inputs["autoVerifiedAttributes"], ["email"]);
    assert.deepEqual(pool.inputs["passwordPolicy"], {
      minimumLength: 12,
      requireLowercase: true,
      requireUppercase: true,
      requireNumbers: true,
      requireSymbols: true,
      temporaryPasswordValidityDays: 3,
    });
    assert.equal(pool.inputs["mfaConfiguration"], "ON");
    assert.deepEqual(pool.inputs["softwareTokenMfaConfiguration"], { enabled: true });
    assert.deepEqual(pool.inputs["userPoolAddOns"], { advancedSecurityMode: "OFF" });
    assert.equal(pool.inputs["deletionProtection"], "INACTIVE", "dev's data is disposable");
    assert.ok(!pool.protect);
  });

  it("protects prod's user pool (deletion protection and Pulumi protect)", async () => {
    // COGNITO on prod: the protection comes from protectData, whatever the sign-in settings.
    const { one } = await build("prod", COGNITO);
    assert.equal(one(POOL).inputs["deletionProtection"], "ACTIVE");
    assert.equal(one(POOL).protect, true);
    assert.equal(one(POOL).inputs["mfaConfiguration"], "OFF");
  });

  it("gives the page a public client: code grant with PKCE, no secret, short tokens, the configured callbacks", async () => {
    const { one, app } = await build("dev", {
      "fileshare:auth": "cognito",
      "fileshare:authCallbackUrls": JSON.stringify([PAGE, "http://localhost:8765/callback"]),
    });
    const client = one(CLIENT).inputs;
    assert.equal(client["generateSecret"], false);
    assert.deepEqual(client["allowedOauthFlows"], ["code"]);
    assert.equal(client["allowedOauthFlowsUserPoolClient"], true);
    assert.deepEqual(client["allowedOauthScopes"], ["openid", "email"]);
    const pageUrl = await valueOf(app.apiUrl);
    assert.deepEqual(client["callbackUrls"], [pageUrl, PAGE, "http://localhost:8765/callback"]);
    assert.deepEqual(client["logoutUrls"], client["callbackUrls"]);
    // Sign-out revokes the refresh token at /oauth2/revoke, which works only on clients that allow it.
    assert.equal(client["enableTokenRevocation"], true);
    assert.equal(client["idTokenValidity"], 60);
    assert.deepEqual(client["tokenValidityUnits"], {
      idToken: "minutes",
      accessToken: "minutes",
      refreshToken: "days",
    });
    assert.equal(one(DOMAIN).inputs["userPoolId"], one(POOL).id);
    assert.match(one(DOMAIN).inputs["domain"], /^fileshare-dev-[a-z0-9]+$/);
    assert.ok(!/aws|cognito|amazon/.test(one(DOMAIN).inputs["domain"]), "Cognito refuses these words in a domain");
  });

  it("puts the Cognito authorizer on exactly the routes that require sign-in, with 401/403 in the error shape and CORS", async () => {
    const { one } = await build("dev", COGNITO);
    const body = JSON.parse(one("aws:apigateway/restApiPut:RestApiPut").inputs["body"]);
    const scheme = body.components.securitySchemes.cognito;
    assert.equal(scheme["x-amazon-apigateway-authtype"], "cognito_user_pools");
    assert.deepEqual(scheme["x-amazon-apigateway-authorizer"].providerARNs, [one(POOL).outputs["arn"]]);
    const secured = Object.entries(body.paths as Record<string, Record<string, { security?: unknown }>>)
      .flatMap(([path, ops]) =>
        Object.entries(ops)
          .filter(([, op]) => op.security)
          .map(([m]) => `${m} ${path}`),
      )
      .sort();
    // Uploads (of one file or a share of several) require sign-in by default; downloads do not; reading your list
    // always does.
    assert.deepEqual(secured, ["get /files", "post /shares", "post /uploads"]);
    for (const [type, code] of [
      ["UNAUTHORIZED", "Unauthorized"],
      ["ACCESS_DENIED", "Forbidden"],
    ] as const) {
      const response = body["x-amazon-apigateway-gateway-responses"][type];
      assert.match(response.responseTemplates["application/json"], new RegExp(`"code":"${code}"`));
      assert.equal(
        response.responseParameters["gatewayresponse.header.Access-Control-Allow-Origin"],
        "method.request.header.Origin",
      );
    }
  });

  it("hands every function the pool's issuer, client id, endpoints and JWKS, and exports the pool, client and domain", async () => {
    const { one, ofType, app } = await build("dev", COGNITO);
    const poolId = one(POOL).id;
    const issuer = `https://cognito-idp.eu-west-1.amazonaws.com/${poolId}`;
    for (const fn of ofType("aws:lambda/function:Function")) {
      const env = unsecret(fn.inputs["environment"]).variables;
      assert.equal(env.FILESHARE_AUTH_ISSUER, issuer, fn.name);
      assert.equal(env.FILESHARE_AUTH_CLIENT_ID, one(CLIENT).id);
      assert.equal(env.FILESHARE_AUTH_JWKS_URL, `${issuer}/.well-known/jwks.json`);
      assert.match(
        env.FILESHARE_AUTH_AUTHORIZATION_ENDPOINT,
        /^https:\/\/fileshare-dev-.*\.auth\.eu-west-1\.amazoncognito\.com\/oauth2\/authorize$/,
      );
      // The page signs out through the managed login's /logout (client_id, logout_uri).
      assert.match(
        env.FILESHARE_AUTH_LOGOUT_ENDPOINT,
        /^https:\/\/fileshare-dev-.*\.auth\.eu-west-1\.amazoncognito\.com\/logout$/,
      );
      assert.equal(env.FILESHARE_AUTH_UPLOADS_REQUIRE_SIGN_IN, "true");
    }
    assert.equal(await valueOf(app.auth!.userPool.id), poolId);
    assert.match(await valueOf(app.auth!.signInDomain), /\.auth\.eu-west-1\.amazoncognito\.com$/);
  });
});

/** "get /files"-style names of the operations the Cognito authorizer guards in the API document. */
function securedOperations(body: { paths: Record<string, Record<string, { security?: unknown }>> }): string[] {
  return Object.entries(body.paths)
    .flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.security)
        .map(([m]) => `${m} ${path}`),
    )
    .sort();
}

describe("sign-in of the committed stacks (Pulumi.dev.yaml, Pulumi.prod.yaml as they are; resource inputs under mocks)", () => {
  it("dev: a user pool, unprotected; uploads open to anonymous visitors (the authorizer guards only GET /files)", async () => {
    const { one, ofType, app } = await build("dev", {});
    assert.equal(one(POOL).inputs["deletionProtection"], "INACTIVE");
    assert.notEqual(one(POOL).protect, true);
    const body = JSON.parse(one("aws:apigateway/restApiPut:RestApiPut").inputs["body"]);
    assert.deepEqual(securedOperations(body), ["get /files"]);
    for (const fn of ofType("aws:lambda/function:Function")) {
      const env = unsecret(fn.inputs["environment"]).variables;
      assert.equal(env.FILESHARE_AUTH_UPLOADS_REQUIRE_SIGN_IN, "false", fn.name);
      assert.equal(env.FILESHARE_AUTH_DOWNLOADS_REQUIRE_SIGN_IN, "false", fn.name);
    }
    assert.ok(app.auth, "dev exports the pool, client and domain");
    assert.equal(app.apiKeys, undefined, "dev has no API keys");
  });

  it("prod: a user pool with deletion protection and Pulumi protect; uploads require sign-in (authorizer on POST /uploads and POST /shares)", async () => {
    const { one, ofType, app } = await build("prod", {});
    assert.equal(one(POOL).inputs["deletionProtection"], "ACTIVE");
    assert.equal(one(POOL).protect, true);
    const body = JSON.parse(one("aws:apigateway/restApiPut:RestApiPut").inputs["body"]);
    assert.deepEqual(securedOperations(body), ["get /files", "post /shares", "post /uploads"]);
    for (const fn of ofType("aws:lambda/function:Function")) {
      const env = unsecret(fn.inputs["environment"]).variables;
      assert.equal(env.FILESHARE_AUTH_UPLOADS_REQUIRE_SIGN_IN, "true", fn.name);
      assert.equal(env.FILESHARE_AUTH_DOWNLOADS_REQUIRE_SIGN_IN, "false", fn.name);
    }
    assert.equal(app.apiKeys, undefined, "prod has no API keys (docs/protections.md: Which stacks sign in)");
  });
});

describe("sign-in on AWS, deploy-ready (resource inputs under mocks; only Cognito can prove it accepts them)", function () {
  // Whole-program builds under mocks on a busy machine: a deadline for hangs only.
  this.timeout(600_000);
  for (const stack of ["dev", "prod"] as const) {
    it(`${stack}: registers the CLI's loopback callback http://localhost:8765/callback (Cognito's form: localhost, exact port) on the one client, by default`, async () => {
      const { one } = await build(stack, {});
      assert.equal(readYaml(`Pulumi.${stack}.yaml`).config["fileshare:authCallbackUrls"], undefined, "the default");
      const client = one(CLIENT).inputs;
      assert.ok(client["callbackUrls"].includes("http://localhost:8765/callback"), client["callbackUrls"].join(" "));
      assert.ok(!client["callbackUrls"].some((u: string) => u.includes("127.0.0.1")), "Cognito refuses 127.0.0.1");
    });

    it(`${stack}: gives the client a managed login branding (Cognito's own style), without which version 2 pages are unavailable`, async () => {
      const { one, ofType } = await build(stack, {});
      assert.equal(one(DOMAIN).inputs["managedLoginVersion"], 2);
      const brandings = ofType("aws:cognito/managedLoginBranding:ManagedLoginBranding");
      assert.equal(brandings.length, 1);
      assert.deepEqual(brandings[0]!.inputs, {
        userPoolId: one(POOL).id,
        clientId: one(CLIENT).id,
        useCognitoProvidedValues: true,
      });
    });
  }

  it("prod: only administrators create users (a team's private service); dev: self sign-up", async () => {
    assert.deepEqual((await build("prod", {})).one(POOL).inputs["adminCreateUserConfig"], {
      allowAdminCreateUserOnly: true,
    });
    assert.deepEqual((await build("dev", {})).one(POOL).inputs["adminCreateUserConfig"], {
      allowAdminCreateUserOnly: false,
    });
  });

  it("sends the pool's emails through SES from authEmailFrom (the domain's identity in the stack's region), else Cognito's own sender", async () => {
    const { one } = await build("prod", { "fileshare:authEmailFrom": "no-reply@files.acme.internal" });
    assert.deepEqual(one(POOL).inputs["emailConfiguration"], {
      emailSendingAccount: "DEVELOPER",
      fromEmailAddress: "no-reply@files.acme.internal",
      sourceArn: "arn:aws:ses:eu-west-1:123456789012:identity/files.acme.internal",
    });
    assert.equal((await build("dev", {})).one(POOL).inputs["emailConfiguration"], undefined);
  });
});
