// The REST API: the OpenAPI body generated from the route table (pure), and the API Gateway resources for
// both stacks (resource inputs under Pulumi mocks; API Gateway never imports or runs this definition here,
// so the VTL and the gateway responses are checked as text, not executed).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { CORS_ALLOWED_HEADERS, CORS_ALLOWED_METHODS } from "../../handlers/http";
import { ROUTES } from "../../handlers/api";
import { openApiDocument, permissionPath, redeploymentHash, RouteSpec } from "../../infra/openapi";
import { ACCOUNT_ID, buildStack, stackConfigText, STACKS, StackRun, buildProgram } from "./mocks";
import { ACCESS_LOG_FORMAT } from "../../infra/api";

const ARNS = Object.fromEntries(ROUTES.map((r) => [r.name, `arn:invoke:${r.name}`]));
const ORIGINS = { corsOrigins: ["https://a.example.com", "http://localhost:3000"] };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

describe("OpenAPI document from the route table (pure)", () => {
  const doc: Doc = openApiDocument(ROUTES, ARNS, ORIGINS);

  it("has every route of ROUTES as a Lambda proxy integration (POST to its own function's invoke ARN)", () => {
    assert.equal(doc.openapi, "3.0.1");
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops as object)
        .filter((m) => m !== "options")
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    assert.deepEqual(operations.sort(), ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of ROUTES) {
      const op = doc.paths[route.path][route.method.toLowerCase()];
      assert.equal(op.operationId, route.name);
      assert.deepEqual(op["x-amazon-apigateway-integration"], {
        type: "aws_proxy",
        httpMethod: "POST",
        uri: `arn:invoke:${route.name}`,
        passthroughBehavior: "when_no_match",
      });
    }
  });

  it("declares the path parameters of templated paths", () => {
    assert.deepEqual(doc.paths["/files/{id}"].get.parameters, [
      { name: "id", in: "path", required: true, schema: { type: "string" } },
    ]);
  });

  it("answers OPTIONS on every path from API Gateway itself (MOCK, 204) with the handlers' CORS headers", () => {
    for (const path of new Set(ROUTES.map((r) => r.path))) {
      const integration = doc.paths[path].options["x-amazon-apigateway-integration"];
      assert.equal(integration.type, "mock", path);
      const response = integration.responses.default;
      assert.equal(response.statusCode, "204");
      assert.deepEqual(response.responseParameters, {
        "method.response.header.Access-Control-Allow-Methods": `'${CORS_ALLOWED_METHODS}'`,
        "method.response.header.Access-Control-Allow-Headers": `'${CORS_ALLOWED_HEADERS}'`,
        "method.response.header.Access-Control-Max-Age": "'600'",
        "method.response.header.Vary": "'Origin'",
      });
      // API Gateway refuses to import a mapping to a header the method response does not declare.
      const declared = Object.keys(doc.paths[path].options.responses["204"].headers).sort();
      const mapped = Object.keys(response.responseParameters).map((k) => k.replace("method.response.header.", ""));
      assert.deepEqual(declared, [...mapped, "Access-Control-Allow-Origin"].sort(), path);
      assert.deepEqual(
        doc.paths[path].options.parameters.map((p: { name: string }) => p.name),
        [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]),
        path,
      );
    }
  });

  it("echoes the Origin in a preflight only when it is an allowed origin (VTL text; not executed here)", () => {
    const template: string =
      doc.paths["/uploads"].options["x-amazon-apigateway-integration"].responses.default.responseTemplates[
        "application/json"
      ];
    assert.ok(template.includes(`#if(["https://a.example.com","http://localhost:3000"].contains($origin))`));
    assert.ok(template.includes("#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)"));
    assert.ok(!template.includes("'*'") && !template.includes('"*"'));
    const none: Doc = openApiDocument(ROUTES, ARNS, { corsOrigins: [] });
    assert.ok(
      none.paths["/uploads"].options["x-amazon-apigateway-integration"].responses.default.responseTemplates[
        "application/json"
      ].includes("#if([].contains($origin))"),
    );
  });

  it("answers API Gateway's own errors with the one allowed origin, fixed, when a stack has exactly one", () => {
    const single: Doc = openApiDocument(ROUTES, ARNS, { corsOrigins: ["https://files.example.com"] });
    for (const r of Object.values(single["x-amazon-apigateway-gateway-responses"]) as Doc[]) {
      assert.equal(
        r.responseParameters["gatewayresponse.header.Access-Control-Allow-Origin"],
        "'https://files.example.com'",
        "no other origin can read API Gateway's own errors",
      );
    }
  });

  it("gives API Gateway's own 4XX/5XX errors CORS headers and the docs/api.md error body (several origins: echoed, as gateway responses cannot choose)", () => {
    const responses = doc["x-amazon-apigateway-gateway-responses"];
    const passedOn = "$context.error.messageString";
    for (const [type, code, message] of [
      ["DEFAULT_4XX", "InvalidRequest", passedOn],
      ["DEFAULT_5XX", "InternalError", passedOn],
      ["THROTTLED", "Throttled", passedOn],
      ["QUOTA_EXCEEDED", "Throttled", passedOn],
      ["RESOURCE_NOT_FOUND", "NotFound", passedOn],
      ["INTEGRATION_FAILURE", "Unavailable", passedOn],
      ["INTEGRATION_TIMEOUT", "Unavailable", passedOn],
      // API Gateway's text for an unknown route or method ("Missing Authentication Token") misleads: replaced.
      [
        "MISSING_AUTHENTICATION_TOKEN",
        "NotFound",
        '"There is no such route here; GET /openapi.json lists the routes."',
      ],
      // The Cognito authorizer's refusals (API v1.1).
      ["UNAUTHORIZED", "Unauthorized", '"Sign in first: send Authorization: Bearer <ID token>."'],
      ["ACCESS_DENIED", "Forbidden", passedOn],
      // The request validator's refusal (infra/requestModels.ts): the function never ran.
      // fileshare:apiKeys: an unknown key (tests/infra/apiKeys.test.ts).
      [
        "INVALID_API_KEY",
        "Forbidden",
        '"The API key in x-api-key is not valid for this API; send your key, or sign in."',
      ],
      [
        "BAD_REQUEST_BODY",
        "InvalidRequest",
        '"The request body does not fit this route\'s schema (GET /openapi.json shows it); nothing was done."',
      ],
    ] as const) {
      const r = responses[type];
      assert.equal(
        r.responseParameters["gatewayresponse.header.Access-Control-Allow-Origin"],
        "method.request.header.Origin",
      );
      assert.equal(r.responseParameters["gatewayresponse.header.Vary"], "'Origin'");
      assert.equal(r.responseTemplates["application/json"], `{"error":{"code":"${code}","message":${message}}}`);
    }
    assert.equal(responses.MISSING_AUTHENTICATION_TOKEN.statusCode, "404");
    assert.equal(Object.keys(responses).length, 12, "every gateway response is checked above");
    // API Gateway cannot customise REQUEST_TOO_LARGE (docs/deploy.md): the body must not try.
    assert.equal(responses.REQUEST_TOO_LARGE, undefined);
  });

  it("refuses a route without a function and two routes on one method and path", () => {
    assert.throws(() => openApiDocument(ROUTES, {}, ORIGINS), /has no function invoke ARN/);
    const twice: RouteSpec[] = [ROUTES[1] as RouteSpec, { ...(ROUTES[1] as RouteSpec), name: "getFile" }];
    assert.throws(() => openApiDocument(twice, ARNS, ORIGINS), /two routes for/);
  });

  it("changes the redeployment hash when any route, target or origin changes", () => {
    const hash = (routes: readonly RouteSpec[], arns = ARNS, cors = ORIGINS) =>
      redeploymentHash(JSON.stringify(openApiDocument(routes, arns, cors)));
    const base = hash(ROUTES);
    assert.equal(hash(ROUTES), base, "stable for the same table");
    const moved = ROUTES.map((r) => (r.name === "getFile" ? { ...r, path: "/v2/files/{id}" } : r));
    const renamed = ROUTES.map((r) => (r.name === "deleteFile" ? { ...r, method: "POST" as const } : r));
    const extra: RouteSpec = {
      name: "getFile",
      method: "GET",
      path: "/extra",
      summary: "x",
      needs: "none",
      auth: "none",
      responses: { "200": { description: "x" } },
    };
    const added = [...ROUTES, extra];
    for (const other of [
      hash(moved),
      hash(renamed),
      hash(added),
      hash(ROUTES, { ...ARNS, getFile: "arn:invoke:other" }),
      hash(ROUTES, ARNS, { corsOrigins: [] }),
    ]) {
      assert.notEqual(other, base);
    }
  });

  it("scopes a route's permission path to its method and path, parameters as *", () => {
    assert.equal(permissionPath({ method: "GET", path: "/files/{id}" }), "GET/files/*");
    assert.equal(permissionPath({ method: "POST", path: "/files/{id}/download" }), "POST/files/*/download");
    assert.equal(permissionPath({ method: "GET", path: "/" }), "GET/");
  });
});

for (const stackName of STACKS) {
  describe(`API Gateway on ${stackName} (resource inputs under mocks; not a deployed API)`, () => {
    let run: StackRun;
    let body: string;
    before(async () => {
      run = await buildStack(stackName);
      body = run.one("aws:apigateway/restApiPut:RestApiPut").inputs["body"];
    });
    const restApi = () => run.one("aws:apigateway/restApi:RestApi");

    it("defines the REST API (regional) by the OpenAPI document of ROUTES, each route to its own function", () => {
      // Literal expectations: what API Gateway must receive for this stack, not a second run of the generator.
      const doc: Doc = JSON.parse(body);
      assert.equal(doc.openapi, "3.0.1");
      assert.deepEqual(doc.info, {
        title: `fileshare-${stackName}`,
        version: "1.2", // docs/api.md's version, the one GET /config answers too
        description: "Serverless file sharing with pre-signed S3 URLs. The reference is docs/api.md in the repository.",
      });
      const invocation = (fn: string) =>
        "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/" +
        `arn:aws:lambda:eu-west-1:123456789012:function:fileshare-${stackName}-${fn}/invocations`;
      const targets = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.entries(ops as Record<string, Doc>)
          .filter(([method]) => method !== "options")
          .map(([method, op]) => [`${method.toUpperCase()} ${path}`, op["x-amazon-apigateway-integration"].uri]),
      );
      assert.deepEqual(Object.fromEntries(targets), {
        "GET /": invocation("page"),
        "GET /openapi.json": invocation("openapi"),
        "GET /config": invocation("getConfig"),
        "GET /files": invocation("listFiles"),
        "POST /files/{id}/unlock": invocation("unlockFile"),
        "POST /uploads": invocation("createUpload"),
        "POST /shares": invocation("createShare"),
        "POST /uploads/{id}/url": invocation("renewUploadUrl"),
        "POST /uploads/{id}/parts": invocation("signUploadParts"),
        "GET /uploads/{id}/parts": invocation("listUploadParts"),
        "POST /uploads/{id}/complete": invocation("completeUpload"),
        "GET /files/{id}": invocation("getFile"),
        "POST /files/{id}/download": invocation("downloadFile"),
        "DELETE /files/{id}": invocation("deleteFile"),
      });
      // prod's page is served by the API itself: no other origin (Pulumi.prod.yaml).
      const origins = stackName === "dev" ? '["http://localhost:3000","http://127.0.0.1:3000"]' : "[]";
      for (const path of ["/", "/openapi.json", "/uploads", "/files/{id}", "/files/{id}/download"]) {
        const template = doc.paths[path].options["x-amazon-apigateway-integration"].responses.default;
        assert.ok(template.responseTemplates["application/json"].includes(`#if(${origins}.contains($origin))`), path);
      }
      assert.deepEqual(Object.keys(doc["x-amazon-apigateway-gateway-responses"]).sort(), [
        "ACCESS_DENIED",
        "BAD_REQUEST_BODY",
        "DEFAULT_4XX",
        "DEFAULT_5XX",
        "INTEGRATION_FAILURE",
        "INTEGRATION_TIMEOUT",
        "INVALID_API_KEY",
        "MISSING_AUTHENTICATION_TOKEN",
        "QUOTA_EXCEEDED",
        "RESOURCE_NOT_FOUND",
        "THROTTLED",
        "UNAUTHORIZED",
      ]);
      assert.deepEqual(restApi().inputs["endpointConfiguration"], { types: "REGIONAL" });
      const definition = run.one("aws:apigateway/restApiPut:RestApiPut");
      assert.equal(definition.inputs["restApiId"], restApi().id);
      assert.equal(definition.inputs["failOnWarnings"], true);
      assert.equal(restApi().inputs["body"], undefined, "the body comes after the API's id (RestApiPut)");
      // PutRestApi (overwrite) sets the API's description from info.description: equal, so a refresh shows no drift.
      assert.equal(restApi().inputs["description"], doc.info.description);
    });

    it("redeploys whenever the body changes: the deployment's trigger is the SHA-256 of the body", () => {
      const deployment = run.one("aws:apigateway/deployment:Deployment");
      assert.equal(deployment.inputs["restApi"], restApi().id);
      assert.deepEqual(deployment.inputs["triggers"], {
        redeployment: createHash("sha256").update(body).digest("hex"),
      });
      assert.equal(deployment.deleteBeforeReplace, false, "a new deployment is created before the old one goes");
      assert.ok(
        deployment.dependencies.includes(run.one("aws:apigateway/restApiPut:RestApiPut").urn),
        "deployed only once the definition is in",
      );
    });

    it("names the stage after the stack, on the current deployment, with JSON access logs (requestId) kept for the stack's retention", () => {
      const stage = run.one("aws:apigateway/stage:Stage");
      assert.equal(stage.inputs["stageName"], stackName);
      assert.equal(stage.inputs["deployment"], run.one("aws:apigateway/deployment:Deployment").id);
      assert.equal(stage.inputs["restApi"], restApi().id);
      const group = run.one("aws:cloudwatch/logGroup:LogGroup", "fileshare-access-logs");
      assert.equal(group.inputs["retentionInDays"], run.config.settings.logRetentionDays);
      assert.equal(stage.inputs["accessLogSettings"].destinationArn, group.outputs["arn"]);
      const format = JSON.parse(stage.inputs["accessLogSettings"].format);
      assert.equal(format.requestId, "$context.requestId");
      assert.equal(format.status, "$context.status");
    });

    it("throttles every method of the stage at the stack's rate and burst", () => {
      const settings = run.one("aws:apigateway/methodSettings:MethodSettings").inputs;
      assert.equal(settings["stageName"], stackName);
      assert.equal(settings["methodPath"], "*/*");
      assert.equal(settings["settings"].throttlingRateLimit, run.config.settings.apiThrottleRateLimit);
      assert.equal(settings["settings"].throttlingBurstLimit, run.config.settings.apiThrottleBurstLimit);
      assert.equal(settings["settings"].throttlingRateLimit, stackName === "dev" ? 5 : 50);
      assert.equal(settings["settings"].metricsEnabled, true);
    });

    it("sets the account's API Gateway logging role by default, so that the stage's access logs work on a fresh account", () => {
      assert.equal(run.config.settings.manageApiGatewayAccount, true);
      const account = run.one("aws:apigateway/account:Account");
      assert.ok(run.one("aws:apigateway/stage:Stage").dependencies.includes(account.urn), "the stage waits for it");
    });

    it("lets API Gateway invoke each function only for its own stage, method and path", () => {
      // Written out by hand rather than derived with the code's own rule.
      const SOURCE_PATHS: Record<string, string> = {
        page: "GET/",
        openapi: "GET/openapi.json",
        getConfig: "GET/config",
        createUpload: "POST/uploads",
        createShare: "POST/shares",
        listFiles: "GET/files",
        renewUploadUrl: "POST/uploads/*/url",
        signUploadParts: "POST/uploads/*/parts",
        listUploadParts: "GET/uploads/*/parts",
        completeUpload: "POST/uploads/*/complete",
        getFile: "GET/files/*",
        unlockFile: "POST/files/*/unlock",
        downloadFile: "POST/files/*/download",
        deleteFile: "DELETE/files/*",
      };
      const executionArn = `arn:aws:execute-api:eu-west-1:${ACCOUNT_ID}:${restApi().id}`;
      assert.equal(restApi().outputs["executionArn"], executionArn);
      const apiPermissions = run
        .ofType("aws:lambda/permission:Permission")
        .filter((p) => p.inputs["principal"] === "apigateway.amazonaws.com");
      assert.equal(apiPermissions.length, ROUTES.length);
      for (const route of ROUTES) {
        const p = run.one("aws:lambda/permission:Permission", `fileshare-${route.name}-invoke`);
        assert.deepEqual(p.inputs, {
          action: "lambda:InvokeFunction",
          function: `fileshare-${stackName}-${route.name}`,
          principal: "apigateway.amazonaws.com",
          sourceArn: `${executionArn}/${stackName}/${SOURCE_PATHS[route.name]}`,
        });
        assert.ok(!p.inputs["sourceArn"].includes("/*/*"), "never any stage and any method");
      }
    });

    it("outputs apiUrl as the stage's invoke URL ending with /", () => {
      const stage = run.one("aws:apigateway/stage:Stage");
      assert.equal(run.outputs.apiUrl, `${stage.outputs["invokeUrl"]}/`);
      assert.match(
        run.outputs.apiUrl,
        new RegExp(`^https://[a-z0-9]+\\.execute-api\\.eu-west-1\\.amazonaws\\.com/${stackName}/$`),
      );
    });
  });
}

describe("API Gateway account logging role (manageApiGatewayAccount; resource inputs under mocks)", function () {
  // Whole-program builds under mocks on a busy machine: a deadline for hangs only.
  this.timeout(600_000);
  it("leaves the account's role alone when manageApiGatewayAccount is false (managed elsewhere); access logs stay on", async () => {
    const run = await buildProgram("dev", {
      ...stackConfigText("dev"),
      "fileshare:manageApiGatewayAccount": "false",
    });
    assert.equal(run.resources.filter((r) => r.type === "aws:apigateway/account:Account").length, 0);
    assert.equal(run.resources.filter((r) => r.type.includes("rolePolicyAttachment")).length, 0);
  });

  it("sets the account's role (AmazonAPIGatewayPushToCloudWatchLogs only) before the stage, retained, access logs on", async () => {
    const run = await buildProgram("dev", stackConfigText("dev"));
    const one = (type: string, name?: string) => {
      const found = run.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
      assert.equal(found.length, 1, `${type} ${name ?? ""}`);
      return found[0]!;
    };
    const account = one("aws:apigateway/account:Account");
    const role = one("aws:iam/role:Role", "fileshare-cloudwatch-role");
    assert.equal(account.inputs["cloudwatchRoleArn"], role.outputs["arn"]);
    assert.equal(
      JSON.parse(role.inputs["assumeRolePolicy"]).Statement[0].Principal.Service,
      "apigateway.amazonaws.com",
    );
    const attachments = run.resources.filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment");
    assert.deepEqual(
      attachments.map((a) => [a.inputs["role"], a.inputs["policyArn"]]),
      [[role.outputs["name"], "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"]],
    );
    const stage = one("aws:apigateway/stage:Stage");
    assert.ok(stage.dependencies.includes(account.urn), "the stage waits for the role");
    assert.ok(stage.inputs["accessLogSettings"].destinationArn, "access logs stay on");
    for (const r of [account, role, attachments[0]]) assert.equal(r?.retainOnDelete, true, "account-wide: retained");
  });
});

describe("API Gateway access log format (pure)", () => {
  it("logs the resource path template, never the request path or query string (they hold share ids)", () => {
    assert.equal(JSON.parse(ACCESS_LOG_FORMAT).resourcePath, "$context.resourcePath");
    assert.doesNotMatch(ACCESS_LOG_FORMAT, /\$context\.path|querystring|\$input|requestOverride/i);
  });
});
