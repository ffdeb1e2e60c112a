// Sign-in on AWS under Pulumi mocks: resource inputs only. Not proven here: that Cognito accepts them, that
// the hosted sign-in works, or that API Gateway's authorizer behaves as the local gateway does.
import assert from "node:assert/strict";
import { loadConfig } from "../../infra/config";
import { FileShare } from "../../infra/fileshare";
import { RecordedResource, runMocked, stackConfigText, unsecret, valueOf } from "./mocks";

const POOL = "aws:cognito/userPool:UserPool";
const CLIENT = "aws:cognito/userPoolClient:UserPoolClient";
const DOMAIN = "aws:cognito/userPoolDomain:UserPoolDomain";
const PAGE = "https://abc123.execute-api.eu-west-1.amazonaws.com/dev/";
const COGNITO = { "fileshare:auth": "cognito", "fileshare:authCallbackUrls": JSON.stringify([PAGE]) };

async function build(stack: "dev" | "prod", extra: Record<string, string>) {
  const run = await runMocked(stack, () => new FileShare("fileshare", loadConfig()), {
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

describe("sign-in on AWS (Cognito, resource inputs under mocks; not a deployed user pool)", () => {
  it("creates no user pool, authorizer or sign-in outputs with auth none", async () => {
    const { ofType, one, app } = await build("dev", {});
    assert.equal(ofType(POOL).length + ofType(CLIENT).length + ofType(DOMAIN).length, 0);
    // The document always publishes its schemas; without sign-in it has no security scheme.
    assert.equal(
      JSON.parse(one("aws:apigateway/restApi:RestApi").inputs["body"]).components?.securitySchemes,
      undefined,
    );
    assert.equal(app.auth, undefined);
  });

  it("stops the deploy, naming fileshare:authCallbackUrls, when no callback URL is configured", async () => {
    await assert.rejects(build("dev", { "fileshare:auth": "cognito" }), /fileshare:authCallbackUrls/);
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
    const { one } = await build("prod", COGNITO);
    assert.equal(one(POOL).inputs["deletionProtection"], "ACTIVE");
    assert.equal(one(POOL).protect, true);
    assert.equal(one(POOL).inputs["mfaConfiguration"], "OFF");
  });

  it("gives the page a public client: code grant with PKCE, no secret, short tokens, the configured callbacks", async () => {
    const { one } = await build("dev", {
      "fileshare:auth": "cognito",
      "fileshare:authCallbackUrls": JSON.stringify([PAGE, "http://127.0.0.1:8765/callback"]),
    });
    const client = one(CLIENT).inputs;
    assert.equal(client["generateSecret"], false);
    assert.deepEqual(client["allowedOauthFlows"], ["code"]);
    assert.equal(client["allowedOauthFlowsUserPoolClient"], true);
    assert.deepEqual(client["allowedOauthScopes"], ["openid", "email"]);
    assert.deepEqual(client["callbackUrls"], [PAGE, "http://127.0.0.1:8765/callback"]);
    assert.deepEqual(client["logoutUrls"], client["callbackUrls"]);
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
    const body = JSON.parse(one("aws:apigateway/restApi:RestApi").inputs["body"]);
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
    // Uploads require sign-in by default; downloads do not; reading your list always does.
    assert.deepEqual(secured, ["get /files", "post /uploads"]);
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
