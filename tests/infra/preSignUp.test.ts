// fileshare:authEmailDomains: the pre-sign-up trigger's logic as a unit, its wiring under Pulumi mocks (resource
// inputs: not a deployed user pool), and its serialized code run once from its archive alone in a fresh Node
// process outside the project. Not proven: that Cognito calls it and shows its message as documented.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { emailDomainProblem } from "../../handlers/preSignUp";
import { LambdaProcess, layOut } from "../lambda/archive";
import { stackConfigText, unsecret, valueOf, buildProgram } from "./mocks";
import { OTHER_ENV_NAMES } from "../../config/runtime";

const DOMAINS = { "fileshare:auth": "cognito", "fileshare:authEmailDomains": '["example.com","corp.example.org"]' };

async function build(extra: Record<string, string>) {
  const run = await buildProgram("dev", {
    ...stackConfigText("dev"),
    ...extra,
  });
  const ofType = (t: string) => run.resources.filter((r) => r.type === t);
  return { run, ofType, app: run.result };
}

const event = (email: string, triggerSource = "PreSignUp_SignUp") => ({
  version: "1",
  triggerSource,
  userPoolId: "eu-west-1_x",
  userName: "u",
  request: { userAttributes: { email } },
  response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
});

describe("email-domain restriction: the pre-sign-up trigger (unit, mocks, serialized code)", function () {
  this.timeout(600_000); // whole-program builds under mocks on a busy machine: a deadline for hangs only

  it("allows exactly the listed domains, case-insensitively, and refuses others with a message naming them", () => {
    const allowed = ["example.com", "corp.example.org"];
    for (const ok of ["a@example.com", " Bob@EXAMPLE.com ", "c@corp.example.org", '"x@y"@example.com']) {
      assert.equal(emailDomainProblem(ok, allowed), undefined, ok);
    }
    for (const bad of ["a@sub.example.com", "a@example.com.evil.io", "a@evil.io", "example.com", "", undefined]) {
      assert.equal(
        emailDomainProblem(bad, allowed),
        "Sign-up is open to addresses at example.com, corp.example.org only; use your address there.",
        String(bad),
      );
    }
    assert.equal(emailDomainProblem("a@anything.io", []), undefined, "no list: any domain");
  });

  it("creates no trigger without authEmailDomains", async () => {
    const { ofType } = await build({ "fileshare:auth": "cognito" });
    const [pool] = ofType("aws:cognito/userPool:UserPool");
    assert.equal(pool!.inputs["lambdaConfig"], undefined);
    assert.ok(!ofType("aws:lambda/function:Function").some((f) => f.name.includes("preSignUp")));
  });

  it("wires the trigger: lambdaConfig.preSignUp, invoke permission for cognito-idp from this pool only, own role writing only its own log group (with retention), domains as env", async () => {
    const { ofType } = await build(DOMAINS);
    const [pool] = ofType("aws:cognito/userPool:UserPool");
    const fn = ofType("aws:lambda/function:Function").find((f) => f.name === "fileshare-preSignUp")!;
    assert.equal(pool!.inputs["lambdaConfig"].preSignUp, fn.outputs["arn"]);
    const permissions = ofType("aws:lambda/permission:Permission").filter(
      (p) => p.name === "fileshare-preSignUp-invoke",
    );
    assert.equal(permissions.length, 1);
    assert.deepEqual(permissions[0]!.inputs, {
      action: "lambda:InvokeFunction",
      function: "fileshare-dev-preSignUp",
      principal: "cognito-idp.amazonaws.com",
      sourceArn: pool!.outputs["arn"],
    });
    assert.deepEqual(unsecret(fn.inputs["environment"]).variables, {
      [OTHER_ENV_NAMES.authEmailDomains]: "example.com,corp.example.org",
    });
    const role = ofType("aws:iam/role:Role").find((r) => r.name === "fileshare-preSignUp-role")!;
    assert.equal(fn.inputs["role"], role.outputs["arn"]);
    assert.deepEqual(JSON.parse(role.inputs["assumeRolePolicy"]).Statement[0].Principal, {
      Service: "lambda.amazonaws.com",
    });
    const group = ofType("aws:cloudwatch/logGroup:LogGroup").find((g) => g.name === "fileshare-preSignUp-logs")!;
    assert.equal(group.inputs["name"], "/aws/lambda/fileshare-dev-preSignUp");
    assert.equal(group.inputs["retentionInDays"], 7);
    const policy = ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "fileshare-preSignUp-policy")!;
    assert.equal(policy.inputs["role"], role.outputs["name"]);
    assert.deepEqual(JSON.parse(policy.inputs["policy"]).Statement, [
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [`${group.outputs["arn"]}:*`],
      },
    ]);
    assert.equal(fn.inputs["timeout"], 5);
    assert.ok(fn.dependencies.includes(group.urn) && fn.dependencies.includes(policy.urn));
  });

  it("runs its serialized code from its archive alone: allows a listed domain, refuses another with the message, refuses to start with no domains", async () => {
    const { app } = await build(DOMAINS);
    const archive = (await valueOf(app.auth!.preSignUp!.code)) as pulumi.asset.AssetArchive;
    const assets = await archive.assets;
    assert.deepEqual(Object.keys(assets), ["__index.js"], "no package in the archive: the code needs none");
    const indexJs = await (assets["__index.js"] as pulumi.asset.StringAsset).text;
    const root = await mkdtemp(join(tmpdir(), "fileshare-presignup-"));
    const lambdas: LambdaProcess[] = [];
    try {
      const fn = {
        name: "preSignUp",
        indexJs,
        folders: [],
        layers: [],
        runtime: "",
        timeout: 5,
        memorySize: 128,
        environment: {},
      };
      await layOut(fn, root);
      const lambda = new LambdaProcess(
        root,
        { [OTHER_ENV_NAMES.authEmailDomains]: "example.com,corp.example.org" },
        "",
      );
      lambdas.push(lambda);
      assert.deepEqual(await lambda.invoke(event("Alice@Example.com")), event("Alice@Example.com"));
      await assert.rejects(
        lambda.invoke(event("mallory@evil.io")),
        /^Error: Sign-up is open to addresses at example\.com, corp\.example\.org only/,
      );
      await assert.rejects(lambda.invoke(event("admin-made@evil.io", "PreSignUp_AdminCreateUser")), /only/);
      const open = new LambdaProcess(root, { [OTHER_ENV_NAMES.authEmailDomains]: "" }, "");
      lambdas.push(open);
      await assert.rejects(open.invoke(event("a@example.com")), /FILESHARE_AUTH_EMAIL_DOMAINS is empty/);
    } finally {
      for (const l of lambdas) l.stop();
      await rm(root, { recursive: true, force: true });
    }
  });
});
