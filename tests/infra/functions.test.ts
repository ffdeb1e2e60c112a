// The Lambda functions, their roles, policies and log groups, for both stacks
// (resource inputs under Pulumi mocks; IAM's evaluation of the policies is not run here).
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ENV_NAMES, OTHER_ENV_NAMES } from "../../config/runtime";
import { SettingSpec, SETTINGS } from "../../config/schema";
import { ROUTES } from "../../handlers/api";
import * as aws from "@pulumi/aws";
import { loadConfig } from "../../infra/config";
import { Functions } from "../../infra/functions";
import { lambdaFunctionName } from "../../infra/lambdaFunction";
import type { FunctionName } from "../../infra/iam";
import { actionsByResource, expectedPolicy } from "./expected";
import { ACCOUNT_ID, buildStack, isSecretInput, runMocked, STACKS, StackRun, unsecret, valueOf } from "./mocks";

const FUNCTION = "aws:lambda/function:Function";
const ROLE = "aws:iam/role:Role";
const NAMES: FunctionName[] = [...ROUTES.map((r) => r.name), "objectCreated", "cleanup"];

describe("Lambda function names (pure)", () => {
  it("are <prefix>-<stack>-<function>, and a stack name that would make an invalid name stops the program", () => {
    assert.equal(lambdaFunctionName("fileshare", "dev", "createUpload"), "fileshare-dev-createUpload");
    assert.throws(() => lambdaFunctionName("fileshare", "qa.eu", "getFile"), /stack name of letters, digits/);
    assert.throws(() => lambdaFunctionName("fileshare", "x".repeat(41), "objectCreated"), /within 64 characters/);
  });
});

describe("Functions without the sign-in endpoints its settings need (under mocks)", function () {
  this.timeout(600_000); // whole-program builds under mocks on a busy machine: a deadline for hangs only
  it("stops the program at once with a message naming the missing endpoints, instead of waiting forever", async () => {
    await assert.rejects(
      runMocked("dev", () => {
        const { settings, stack } = loadConfig();
        const bucket = new aws.s3.Bucket("b");
        const table = new aws.dynamodb.Table("t", { hashKey: "id", attributes: [{ name: "id", type: "S" }] });
        const audit = { bus: new aws.cloudwatch.EventBus("bus"), source: "fileshare.test" };
        return new Functions("f", { settings, stack, routes: ROUTES, bucket, table, audit });
      }),
      /auth is cognito, so the sign-in endpoints must be given/,
    );
  });
});

for (const stackName of STACKS) {
  describe(`Functions on ${stackName} (resource inputs under mocks; not deployed Lambdas)`, function () {
    // Whole-program builds under mocks on a busy machine: a deadline for hangs only.
    this.timeout(600_000);
    let run: StackRun;
    const fn = (name: FunctionName) => run.one(FUNCTION, `fileshare-${name}`);
    const roleOf = (name: FunctionName) => run.one(ROLE, `fileshare-${name}-role`);
    before(async () => {
      run = await buildStack(stackName);
    });

    it("creates one function per route plus objectCreated and cleanup, and no other", () => {
      assert.deepEqual(
        run
          .ofType(FUNCTION)
          .map((f) => f.name)
          .sort(),
        NAMES.map((n) => `fileshare-${n}`).sort(),
      );
    });

    it("pins runtime nodejs22.x on arm64, 256 MB, and a 10 s timeout on every function but cleanup (120 s) and complete (300 s: S3 may take minutes to assemble parts)", () => {
      for (const f of run.ofType(FUNCTION)) {
        assert.deepEqual(f.inputs["architectures"], ["arm64"], f.name);
        assert.equal(f.inputs["runtime"], "nodejs22.x", f.name);
        const longer: Record<string, number> = { "fileshare-cleanup": 120, "fileshare-completeUpload": 300 };
        const expected = longer[f.name] ?? 10;
        assert.equal(f.inputs["timeout"], expected, f.name);
        assert.equal(f.inputs["memorySize"], 256, f.name);
        assert.equal(f.inputs["handler"], "__index.handler", f.name);
      }
    });

    it("names each function <project>-<stack>-<function>", () => {
      for (const name of NAMES) assert.equal(fn(name).inputs["name"], `fileshare-${stackName}-${name}`);
    });

    it("gives each function its own role (distinct), assumable by lambda.amazonaws.com only", () => {
      const roles = NAMES.map((name) => {
        const role = roleOf(name);
        assert.equal(fn(name).inputs["role"], role.outputs["arn"], `${name} runs as its own role`);
        assert.deepEqual(JSON.parse(role.inputs["assumeRolePolicy"]), {
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
        });
        return fn(name).inputs["role"];
      });
      assert.equal(new Set(roles).size, NAMES.length);
    });

    it("attaches no managed policy to any function role", () => {
      const functionRoles = new Set(NAMES.map((n) => roleOf(n).outputs["name"]));
      const attachments = run.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment");
      for (const a of attachments) assert.ok(!functionRoles.has(a.inputs["role"]), a.name);
      for (const role of run.ofType(ROLE)) assert.equal(role.inputs["managedPolicyArns"], undefined, role.name);
    });

    for (const name of NAMES) {
      it(`allows ${name} exactly its actions on the exact table ARN, bucket uploads/*, the audit bus and its own log group`, () => {
        const policy = run.one("aws:iam/rolePolicy:RolePolicy", `fileshare-${name}-policy`);
        assert.equal(policy.inputs["role"], roleOf(name).outputs["name"]);
        const region = "eu-west-1";
        const want = expectedPolicy(name, {
          table: `arn:aws:dynamodb:${region}:${ACCOUNT_ID}:table/${run.outputs.tableName}`,
          bucket: `arn:aws:s3:::${run.outputs.bucketName}`,
          uploads: `arn:aws:s3:::${run.outputs.bucketName}/uploads/*`,
          logGroup: `arn:aws:logs:${region}:${ACCOUNT_ID}:log-group:/aws/lambda/fileshare-${stackName}-${name}`,
          auditBus: `arn:aws:events:${region}:${ACCOUNT_ID}:event-bus/fileshare-${stackName}-audit`,
        });
        assert.deepEqual(actionsByResource(JSON.parse(policy.inputs["policy"])), want);
      });
    }

    it("gives every function its own log group, with the stack's retention, as its JSON log destination", () => {
      const days = run.config.settings.logRetentionDays;
      assert.equal(days, stackName === "dev" ? 7 : 90);
      for (const name of NAMES) {
        const group = run.one("aws:cloudwatch/logGroup:LogGroup", `fileshare-${name}-logs`);
        assert.equal(group.inputs["name"], `/aws/lambda/fileshare-${stackName}-${name}`);
        assert.equal(group.inputs["retentionInDays"], days);
        assert.deepEqual(fn(name).inputs["loggingConfig"], { logFormat: "JSON", logGroup: group.inputs["name"] });
      }
    });

    it("creates each function after its log group and its role policy", () => {
      for (const name of NAMES) {
        const deps = fn(name).dependencies;
        assert.ok(deps.includes(run.one("aws:cloudwatch/logGroup:LogGroup", `fileshare-${name}-logs`).urn), name);
        assert.ok(deps.includes(run.one("aws:iam/rolePolicy:RolePolicy", `fileshare-${name}-policy`).urn), name);
      }
    });

    it("hands every function the stack's settings, the real bucket and table names and its sign-in endpoints in its environment", () => {
      const s = run.config.settings;
      assert.equal(s.auth, "cognito", `Pulumi.${stackName}.yaml signs in`);
      const issuer = `https://cognito-idp.eu-west-1.amazonaws.com/${run.one("aws:cognito/userPool:UserPool").id}`;
      const domain = run.one("aws:cognito/userPoolDomain:UserPoolDomain").inputs["domain"];
      const signIn = `https://${domain}.auth.eu-west-1.amazoncognito.com`;
      for (const name of NAMES) {
        const env = { ...unsecret(fn(name).inputs["environment"]).variables };
        delete env[OTHER_ENV_NAMES.logKey];
        delete env[OTHER_ENV_NAMES.auditBusName];
        delete env[OTHER_ENV_NAMES.auditSource];
        // Written out by hand, so that two swapped values fail.
        const known = {
          FILESHARE_BUCKET_NAME: run.outputs.bucketName,
          FILESHARE_TABLE_NAME: run.outputs.tableName,
          FILESHARE_UPLOAD_URL_TTL_SECONDS: String(s.uploadUrlTtlSeconds),
          FILESHARE_DOWNLOAD_URL_TTL_SECONDS: String(s.downloadUrlTtlSeconds),
          FILESHARE_DEFAULT_SHARE_TTL_SECONDS: String(s.defaultShareTtlSeconds),
          FILESHARE_MAX_SHARE_TTL_SECONDS: String(s.maxShareTtlSeconds),
          FILESHARE_MAX_FILE_SIZE_BYTES: String(s.maxFileSizeBytes),
          FILESHARE_MULTIPART_THRESHOLD_BYTES: String(s.multipartThresholdBytes),
          FILESHARE_MULTIPART_PART_SIZE_BYTES: String(s.multipartPartSizeBytes),
          FILESHARE_ALLOWED_CONTENT_TYPES: s.allowedContentTypes.join(","),
          FILESHARE_DEFAULT_MAX_DOWNLOADS: String(s.defaultMaxDownloads),
          FILESHARE_MAX_DOWNLOADS_LIMIT: String(s.maxDownloadsLimit),
          FILESHARE_CORS_ORIGINS: s.corsOrigins.join(","),
          // Both stacks sign in (auth cognito): the stack's own user pool, client and managed sign-in domain.
          FILESHARE_AUTH_ISSUER: issuer,
          FILESHARE_AUTH_CLIENT_ID: run.one("aws:cognito/userPoolClient:UserPoolClient").id,
          FILESHARE_AUTH_AUTHORIZATION_ENDPOINT: `${signIn}/oauth2/authorize`,
          FILESHARE_AUTH_TOKEN_ENDPOINT: `${signIn}/oauth2/token`,
          FILESHARE_AUTH_LOGOUT_ENDPOINT: `${signIn}/logout`,
          FILESHARE_AUTH_REVOCATION_ENDPOINT: `${signIn}/oauth2/revoke`,
          FILESHARE_AUTH_JWKS_URL: `${issuer}/.well-known/jwks.json`,
          // dev lets anonymous visitors share; prod (a team's private service) requires sign-in.
          FILESHARE_AUTH_UPLOADS_REQUIRE_SIGN_IN: stackName === "prod" ? "true" : "false",
          FILESHARE_AUTH_DOWNLOADS_REQUIRE_SIGN_IN: "false",
        };
        assert.deepEqual(Object.fromEntries(Object.keys(known).map((k) => [k, env[k]])), known);
        // A runtime setting added later: FILESHARE_ + its key in upper snake case, with the stack's value. The
        // require-sign-in settings are the exception, checked above: without sign-in they are always false.
        const runtime = (SETTINGS as readonly SettingSpec[]).filter((spec) => spec.runtime);
        for (const spec of runtime.filter((r) => !/^auth.*RequireSignIn$/.test(r.key))) {
          const variable = "FILESHARE_" + spec.key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
          const value = (s as Record<string, unknown>)[spec.key];
          assert.equal(env[variable], Array.isArray(value) ? value.join(",") : String(value), variable);
        }
        assert.equal(
          Object.keys(env).length,
          2 + 7 + runtime.length,
          "no variables besides the bucket, table, sign-in endpoints and runtime settings",
        );
        assert.deepEqual(Object.keys(env).sort(), Object.values(ENV_NAMES).sort());
      }
    });

    it("keeps the log key in an SSM SecureString made once (later runs ignore the new value), as a secret", () => {
      const key = run.one("aws:ssm/parameter:Parameter");
      assert.equal(key.inputs["type"], "SecureString");
      assert.equal(key.inputs["name"], `/fileshare/${stackName}/log-fingerprint-key`);
      assert.ok(isSecretInput(key.inputs["value"]), "the key's value must be a Pulumi secret (encrypted in the state)");
      assert.ok(Buffer.from(unsecret(key.inputs["value"]), "base64").length >= 32, "at least 32 random bytes");
      assert.deepEqual(key.ignoreChanges, ["value"], "a later `pulumi up` must not rotate the key");
    });

    // The data-free functions (page, openapi, getConfig) get it too: their request lines name the
    // caller by fingerprint (handlers/http.ts). They still get no data access and no SDK.
    it("hands the log key to every function (each request line fingerprints its caller) as a secret environment", () => {
      const key = unsecret(run.one("aws:ssm/parameter:Parameter").inputs["value"]);
      for (const name of NAMES) {
        const environment = fn(name).inputs["environment"];
        assert.ok(isSecretInput(environment), `${name}: its environment must be secret in the state`);
        assert.equal(unsecret(environment).variables[OTHER_ENV_NAMES.logKey], key, name);
      }
    });

    it("tells the data functions, and only them, the audit bus's name and the events' source fileshare.<stack>", () => {
      for (const name of NAMES) {
        const variables = unsecret(fn(name).inputs["environment"]).variables;
        if (ROUTES.find((r) => r.name === name)?.needs === "none") {
          assert.equal(variables[OTHER_ENV_NAMES.auditBusName], undefined, `${name} changes no share`);
          assert.equal(variables[OTHER_ENV_NAMES.auditSource], undefined, name);
          continue;
        }
        assert.equal(variables[OTHER_ENV_NAMES.auditBusName], `fileshare-${stackName}-audit`, name);
        assert.equal(variables[OTHER_ENV_NAMES.auditSource], `fileshare.${stackName}`, name);
      }
    });

    it("never puts the log key into a function's serialized code", async () => {
      const key = unsecret(run.one("aws:ssm/parameter:Parameter").inputs["value"]) as string;
      for (const name of NAMES) {
        const code = (await valueOf(run.app.functions[name].code)) as pulumi.asset.AssetArchive;
        const index = (await ((await code.assets)["__index.js"] as pulumi.asset.StringAsset).text) as string;
        assert.ok(index.includes("createHmac"), `${name}: the closure carries the fingerprint code`);
        assert.ok(!index.includes(key) && !index.includes(Buffer.from(key, "base64").toString("hex")), name);
      }
    });

    it("exposes every function's serialized code archive (app.functions.<name>.code) with __index.js", async () => {
      for (const name of NAMES) {
        const code = (await valueOf(run.app.functions[name].code)) as pulumi.asset.AssetArchive;
        const assets = await code.assets;
        const index = (await (assets["__index.js"] as pulumi.asset.StringAsset).text) as string;
        assert.match(index, /exports\.handler = /, name);
        assert.ok(
          !Object.keys(assets).some((k) => k.startsWith("node_modules/@pulumi/")),
          `${name} carries no @pulumi package`,
        );
      }
    });
    it("runs cleanup on a schedule from cleanupIntervalSeconds (whole minutes), invocable only by that rule", () => {
      const rule = run.one("aws:cloudwatch/eventRule:EventRule", "fileshare-cleanup-schedule");
      // dev's 5 s round up to AWS's smallest rate, a minute; prod keeps the default 300 s, five minutes.
      const [seconds, expression] = stackName === "dev" ? [5, "rate(1 minute)"] : [300, "rate(5 minutes)"];
      assert.equal(run.config.settings.cleanupIntervalSeconds, seconds);
      assert.equal(rule.inputs["scheduleExpression"], expression);
      const target = run.one("aws:cloudwatch/eventTarget:EventTarget", "fileshare-cleanup-target");
      assert.equal(target.inputs["rule"], rule.outputs["name"]);
      assert.equal(target.inputs["arn"], fn("cleanup").outputs["arn"]);
      const permissions = run
        .ofType("aws:lambda/permission:Permission")
        .filter((p) => p.inputs["principal"] === "events.amazonaws.com");
      assert.deepEqual(
        permissions.map((p) => p.inputs),
        [
          {
            action: "lambda:InvokeFunction",
            function: `fileshare-${stackName}-cleanup`,
            principal: "events.amazonaws.com",
            sourceArn: rule.outputs["arn"],
          },
        ],
      );
    });
  });
}
