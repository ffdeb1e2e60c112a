// The preflight (npm run preflight): the program under mocks for each configuration, every constrained string
// against AWS's models (botocore's service-2.json from Debian's python3-botocore), the API Gateway body as OpenAPI 3.0
// and the cross-resource rules. It proves what the stack would send; docs/deploy.md lists what only AWS checks.
import assert from "node:assert/strict";
import { parseSettings } from "../../config/parse";
import { loadConfig } from "../../infra/config";
import { FileShare } from "../../infra/fileshare";
import {
  checkApiBodies,
  checkCrossResource,
  checkStrings,
  formatFinding,
  Resource,
} from "../../scripts/preflight/checks";
import { RESOURCE_RULES } from "../../scripts/preflight/mapping";
import { memberConstraints, patternRegExp, requireModels } from "../../scripts/preflight/models";
import { checkRun, preflight } from "../../scripts/preflight/preflight";
import { buildStack, committedConfigText, runMocked, stackConfigText } from "./mocks";

/** prod with every opt-in feature on (and what a deployer would set for them). */
export const PROD_ALL_FEATURES = {
  ...stackConfigText("prod"),
  "fileshare:apiKeys": "true",
  "fileshare:auditNotifications": "true",
  "fileshare:auditNotificationEmails": JSON.stringify(["audit@fileshare.internal"]),
  "fileshare:auditNotificationUrls": JSON.stringify(["https://hooks.fileshare.internal/audit"]),
  "fileshare:authEmailDomains": JSON.stringify(["fileshare.internal"]),
  "fileshare:authEmailFrom": "no-reply@fileshare.internal",
  "fileshare:authMfa": "optional",
  "fileshare:authDownloadsRequireSignIn": "true",
  "fileshare:corsOrigins": JSON.stringify(["https://files.fileshare.internal"]),
};

const lines = (findings: { resource: string; input: string; rule: string; fix: string }[]) =>
  findings.map(formatFinding).join("\n");

/** A resource as the mocks record it, for the checks' own cases. */
const resource = (type: string, name: string, inputs: Record<string, unknown>, extra: Partial<Resource> = {}) =>
  ({
    type,
    name,
    urn: name,
    id: `${name}-id`,
    custom: true,
    inputs,
    outputs: {},
    protect: undefined,
    retainOnDelete: undefined,
    ...extra,
  }) as Resource;

describe("preflight: AWS's API models are here (botocore's JSON from python3-botocore)", () => {
  it("finds the models, or fails naming the package to install (never skips)", () => {
    requireModels();
  });

  it("resolves every mapped member in its service's model and compiles every pattern", () => {
    let checked = 0;
    for (const [type, rules] of Object.entries(RESOURCE_RULES)) {
      for (const rule of Object.values(rules.inputs ?? {}).flat()) {
        const c = "model" in rule ? memberConstraints(...rule.model) : rule.documented;
        if (c.pattern !== undefined) assert.doesNotThrow(() => patternRegExp(c.pattern as string), type);
        checked++;
      }
    }
    assert.ok(checked > 60, `${checked} rules`);
  });
});

describe("preflight: dev, prod and prod with every opt-in feature find nothing (resource inputs under mocks)", function () {
  // Each case builds a whole stack under mocks (queued behind other files' builds): a deadline for hangs only.
  this.timeout(600_000);
  for (const stack of ["dev", "prod"] as const) {
    it(`${stack}: every resource type is mapped, every constrained string fits, the body is OpenAPI 3.0, cross rules hold`, async () => {
      const run = await buildStack(stack);
      const findings = await checkRun(run.resources, run.config.settings);
      assert.equal(lines(findings), "");
    });
  }

  it("prod with API keys, audit notifications, email domains, SES, MFA and signed-in downloads", async () => {
    const { result, findings } = await preflightOf("prod", PROD_ALL_FEATURES);
    assert.equal(lines(findings), "");
    assert.ok(result > 170, `${result} resources`);
  });

  it("prod with every opt-in feature and its own domain (a Route 53 zone, a DNS-validated certificate)", async () => {
    const { findings } = await preflightOf("prod", {
      ...PROD_ALL_FEATURES,
      "fileshare:domainName": "files.fileshare.internal",
      "fileshare:hostedZoneId": "Z0123456789ABCDEFGHIJ",
    });
    assert.equal(lines(findings), "");
  });

  it("refuses the committed prod stack until its alarm email is set, naming fileshare:alarmEmail", async () => {
    const { findings } = await preflight("prod", committedConfigText("prod"));
    assert.equal(findings.length, 1);
    assert.match(formatFinding(findings[0]!), /fileshare:alarmEmail is empty.*pulumi config set fileshare:alarmEmail/);
  });
});

async function preflightOf(stack: "dev" | "prod", config: Record<string, string>) {
  let settings: ReturnType<typeof loadConfig>["settings"] | undefined;
  const run = await runMocked(
    stack,
    () => {
      const loaded = loadConfig();
      settings = loaded.settings;
      return new FileShare("fileshare", loaded);
    },
    config,
  );
  process.emit("beforeExit", 0);
  return { result: run.resources.filter((r) => r.custom).length, findings: await checkRun(run.resources, settings!) };
}

describe("preflight: catches each defect of the pre-deployment review (the checks on the values that were sent)", () => {
  it("the WAF description with an apostrophe (wafv2 EntityDescription), naming resource, input, rule and fix", () => {
    const acl = resource("aws:wafv2/webAcl:WebAcl", "fileshare-waf", {
      name: "fileshare-prod",
      description: "fileshare API: per-IP rate limit and AWS's common rule set",
    });
    const [finding, ...rest] = checkStrings([acl]);
    assert.equal(rest.length, 0);
    assert.match(finding!.resource, /aws:wafv2\/webAcl:WebAcl "fileshare-waf"/);
    assert.match(finding!.input, /^description = /);
    assert.match(
      finding!.rule,
      /does not match .* \(botocore wafv2 CreateWebACLRequest.Description \(EntityDescription\)\)/,
    );
    assert.match(finding!.fix, /change the value/);
  });

  it("a name too long for AWS, including Pulumi's auto-name (IAM role names: 64)", () => {
    const role = resource("aws:iam/role:Role", `fileshare-${"x".repeat(60)}`, { assumeRolePolicy: "{}" });
    assert.match(lines(checkStrings([role])), /name = .*\(Pulumi's auto-name\): is 78 characters; at most 64/);
  });

  it("a resource type the mapping does not know", () => {
    assert.match(lines(checkStrings([resource("aws:ec2/vpc:Vpc", "net", {})])), /does not know this resource type/);
  });

  it("an operation without responses and a REQUEST_TOO_LARGE gateway response in the API body", async () => {
    const body = {
      openapi: "3.0.1",
      info: { title: "t", version: "1" },
      paths: { "/x": { get: { responses: {} } } },
      "x-amazon-apigateway-gateway-responses": { REQUEST_TOO_LARGE: {} },
    };
    const found = lines(
      await checkApiBodies([resource("aws:apigateway/restApiPut:RestApiPut", "def", { body: JSON.stringify(body) })]),
    );
    assert.match(found, /not valid OpenAPI 3\.0/);
    assert.match(found, /cannot customise the REQUEST_TOO_LARGE/);
  });

  it("aws:SourceAccount on EventBridge's key statement, a 127.0.0.1 callback, no CLI callback, no branding, an empty lifecycle filter, a bucket destroy cannot delete", () => {
    const settings = parseSettings({ auth: "cognito" });
    const found = lines(
      checkCrossResource(
        [
          resource("aws:kms/key:Key", "key", {
            policy: JSON.stringify({
              Statement: [
                {
                  Sid: "EventBridge",
                  Principal: { Service: "events.amazonaws.com" },
                  Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
                },
              ],
            }),
          }),
          resource("aws:cognito/userPoolClient:UserPoolClient", "client", {
            userPoolId: "pool",
            callbackUrls: ["http://127.0.0.1:8765/callback"],
          }),
          resource("aws:cognito/userPoolDomain:UserPoolDomain", "domain", {
            userPoolId: "pool",
            managedLoginVersion: 2,
          }),
          resource("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "lc", {
            rules: [{ filter: {} }],
          }),
          resource("aws:s3/bucket:Bucket", "logs", { forceDestroy: false }),
        ],
        settings,
      ),
    );
    for (const expected of [
      /EventBridge's statement has aws:SourceAccount/,
      /Cognito accepts plain http only for http:\/\/localhost/,
      /the CLI's callback http:\/\/localhost:8765\/callback is not registered.*fileshare:authCallbackUrls/,
      /Login pages unavailable/,
      /empty lifecycle filter/,
      /BucketNotEmpty/,
    ]) {
      assert.match(found, expected);
    }
  });

  it("production settings: a placeholder origin, open sign-up, no alarm email, each naming its setting", () => {
    const production = {
      production: "true",
      alarmEmail: "ops@fileshare.internal",
      auth: "cognito",
      authSelfSignUp: "false",
      corsOrigins: "[]",
    };
    assert.doesNotThrow(() => parseSettings(production));
    assert.throws(
      () => parseSettings({ ...production, corsOrigins: '["https://files.example.com"]' }),
      /fileshare:corsOrigins .*placeholder/,
    );
    assert.throws(
      () => parseSettings({ ...production, authSelfSignUp: "true" }),
      /fileshare:authSelfSignUp is true and fileshare:authEmailDomains is empty/,
    );
    assert.doesNotThrow(() =>
      parseSettings({ ...production, authSelfSignUp: "true", authEmailDomains: '["acme.internal"]' }),
    );
    assert.throws(() => parseSettings({ ...production, alarmEmail: "" }), /fileshare:alarmEmail is empty/);
    assert.throws(
      () => parseSettings({ ...production, alarmEmail: "ops@example.com" }),
      /fileshare:alarmEmail is a placeholder/,
    );
    assert.doesNotThrow(
      () => parseSettings({ corsOrigins: '["https://files.example.com"]' }),
      "not a production stack",
    );
  });
});
