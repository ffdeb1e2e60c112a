// One signed-in flow through the serialized Lambda code of a stack with sign-in (auth cognito, built under Pulumi
// mocks), laid out alone with the SDK layer and run by plain Node against local S3 and DynamoDB: create two shares
// as alice, list them a page at a time, refuse bob's listing and his delete, delete with alice's bearer token.
// The tokens come from the local issuer's real sign-in flow. Where API Gateway's Cognito authorizer would run
// (routes that require sign-in), the event carries the verified claims as the authorizer hands them over
// (requestContext.authorizer.claims, every value a string); elsewhere the function checks the bearer token
// itself against the issuer's JWKS, which the functions' environment points at the local issuer instead of the
// user pool. Not proven here: Cognito itself and API Gateway's authorizer (under mocks in tests/infra/auth.test.ts).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { APIGatewayProxyResult } from "aws-lambda";
import { importJWK, SignJWT } from "jose";
import { fromEnvironment, ENV_NAMES } from "../../config/runtime";
import { createTokenVerifier } from "../../handlers/auth";
import { ROUTES } from "../../handlers/api";
import { matchPath } from "../../handlers/matchPath";
import { routeAuth } from "../../handlers/routeAuth";
import { Backends, startBackends } from "../../local/backends";
import { proxyEvent } from "../../local/events";
import { LocalIssuer, localSubFor, startLocalIssuer } from "../../local/oidc";
import { signInLocally } from "../../local/signIn";
import { buildFunctions, LambdaProcess, layOut, layOutLayer } from "./archive";

const PAGE = "https://abc.execute-api.eu-west-1.amazonaws.com/dev/";
const NEEDED = ["createUpload", "listFiles", "deleteFile", "objectCreated"];

describe("The serialized Lambda code of a stack with sign-in: one signed-in flow (local issuer's tokens)", function () {
  this.timeout(120_000);
  let root: string;
  let issuer: LocalIssuer;
  let backends: Backends;
  let config: ReturnType<typeof fromEnvironment>;
  const lambdas: Record<string, LambdaProcess> = {};
  const tokens: Record<string, string> = {};

  before(async function () {
    this.timeout(300_000);
    const { functions, layer } = await buildFunctions("dev", {
      "fileshare:auth": "cognito",
      "fileshare:authCallbackUrls": JSON.stringify([PAGE]),
    });
    issuer = await startLocalIssuer({ redirectUris: [PAGE] });
    // The user pool's issuer, client and JWKS as the deployed functions get them, pointed at the local issuer.
    const authEnv = {
      [ENV_NAMES.authIssuer]: issuer.issuer,
      [ENV_NAMES.authClientId]: issuer.clientId,
      [ENV_NAMES.authJwksUrl]: issuer.jwksUrl,
    };
    root = await mkdtemp(join(tmpdir(), "fileshare-signed-in-"));
    const layerModules = await layOutLayer(layer.files, join(root, "opt"));
    const first = functions.find((f) => f.name === "createUpload")!;
    assert.notEqual(first.environment[ENV_NAMES.authIssuer], "", "the stack was built without sign-in");
    config = fromEnvironment({ ...first.environment, ...authEnv });
    backends = await startBackends({ config, onObjectCreated: (event) => lambdas["objectCreated"]!.invoke(event) });
    for (const fn of functions.filter((f) => NEEDED.includes(f.name))) {
      const dir = join(root, fn.name);
      await layOut(fn, dir);
      lambdas[fn.name] = new LambdaProcess(
        dir,
        { ...fn.environment, ...authEnv, ...backends.sdkEnvironment },
        layerModules,
      );
    }
    const auth = { ...issuer, scopes: ["openid", "email"] };
    for (const who of ["alice", "bob"]) tokens[who] = (await signInLocally(auth, PAGE, `${who}@example.com`)).idToken;
    // Alice's claims, signed with the issuer's own key, but naming no key (Cognito's tokens always carry a kid).
    const now = Math.floor(Date.now() / 1000);
    tokens["no-kid"] = await new SignJWT({
      sub: localSubFor("alice@example.com"),
      email: "alice@example.com",
      email_verified: true,
      token_use: "id",
      iss: issuer.issuer,
      aud: issuer.clientId,
      iat: now - 60,
      exp: now + 600,
    })
      .setProtectedHeader({ alg: "RS256" })
      .sign(await importJWK(issuer.signingKey, "RS256"));
  });

  after(async () => {
    for (const lambda of Object.values(lambdas)) lambda.stop();
    await backends?.close();
    await issuer?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** Invokes a route's function as API Gateway would for `who`: the authorizer's claims where the route requires
   *  sign-in, else the bearer token in the Authorization header. */
  async function call(who: string, method: string, path: string, body?: unknown, query?: Record<string, string>) {
    const [routePath, search] = path.split("?");
    const route = ROUTES.find((r) => r.method === method && matchPath(r.path, routePath!))!;
    const event = proxyEvent({
      method,
      path: routePath!,
      resource: route.path,
      pathParameters: matchPath(route.path, routePath!)!,
      headers: {
        host: "abc.execute-api.eu-west-1.amazonaws.com",
        "x-forwarded-proto": "https",
        authorization: `Bearer ${tokens[who]}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      query: query ?? Object.fromEntries(new URLSearchParams(search ?? "")),
      stage: "dev",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (routeAuth(route, config) === "required") {
      // What the Cognito authorizer hands over after checking the token.
      const claims = await createTokenVerifier(config)(tokens[who]!);
      (event.requestContext as { authorizer: unknown }).authorizer = { claims };
    }
    const result = (await lambdas[route.name]!.invoke(event)) as APIGatewayProxyResult;
    return { status: result.statusCode, json: result.body ? JSON.parse(result.body) : undefined };
  }

  it("creates as alice, lists her shares a page at a time (bob sees none), refuses bob's delete and takes alice's", async () => {
    const ids: string[] = [];
    for (const name of ["one.txt", "two.txt"]) {
      const created = await call("alice", "POST", "/uploads", { fileName: name, contentType: "text/plain", size: 5 });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      const put = await fetch(created.json.uploadUrl, {
        method: "PUT",
        headers: created.json.headers,
        body: "hello",
      });
      assert.equal(put.status, 200);
      ids.push(created.json.id);
    }
    await backends.idle();

    const first = await call("alice", "GET", "/files?limit=1");
    assert.equal(first.status, 200, JSON.stringify(first.json));
    assert.deepEqual(
      first.json.files.map((f: { id: string }) => f.id),
      [ids[1]],
      "newest first",
    );
    assert.equal(first.json.files[0].status, "available");
    assert.ok(first.json.nextCursor, "a second page");
    const second = await call("alice", "GET", `/files?limit=1&cursor=${first.json.nextCursor}`);
    assert.deepEqual(
      second.json.files.map((f: { id: string }) => f.id),
      [ids[0]],
    );

    const bobs = await call("bob", "GET", "/files");
    assert.deepEqual(bobs.json.files, [], "bob sees alice's shares");
    assert.equal((await call("bob", "DELETE", `/files/${ids[0]}`)).status, 403);
    assert.equal((await call("alice", "DELETE", `/files/${ids[0]}`)).status, 204);
    const after = await call("alice", "GET", "/files");
    assert.deepEqual(
      after.json.files.map((f: { id: string }) => f.id),
      [ids[1]],
    );
  });

  it("refuses a token without kid, though signed with the issuer's key: 401 from the functions that verify it", async () => {
    const created = await call("no-kid", "POST", "/uploads", { fileName: "x.txt", contentType: "text/plain", size: 5 });
    assert.equal(created.status, 401, JSON.stringify(created.json));
    const mine = await call("alice", "POST", "/uploads", { fileName: "y.txt", contentType: "text/plain", size: 5 });
    assert.equal(mine.status, 201);
    const deleted = await call("no-kid", "DELETE", `/files/${mine.json.id}`);
    assert.equal(deleted.status, 401, JSON.stringify(deleted.json));
  });
});
