// Whole-program scans, for both stacks: every policy document in every resource's inputs, every managed
// policy attachment, every protect flag and the component tree (resource inputs and engine options under
// Pulumi mocks; IAM itself does not evaluate anything here).
import assert from "node:assert/strict";
import { asList, buildStack, policyDocuments, STACKS, StackRun } from "./mocks";

for (const stackName of STACKS) {
  describe(`Least privilege and structure on ${stackName} (whole program under mocks)`, () => {
    let run: StackRun;
    before(async () => {
      run = await buildStack(stackName);
    });
    const statements = () =>
      run.resources.flatMap((r) =>
        policyDocuments(r.inputs).flatMap((d) => d.Statement.map((s) => ({ resource: r.name, s }))),
      );

    it("scans a policy document in every role, role policy and the bucket policy (the scan is not vacuous)", () => {
      const withDocs = run.resources.filter((r) => policyDocuments(r.inputs).length > 0).map((r) => r.type);
      const count = (t: string) => withDocs.filter((x) => x === t).length;
      assert.equal(count("aws:iam/role:Role"), run.ofType("aws:iam/role:Role").length);
      // One per function (14 routes since POST /shares, objectCreated, cleanup), plus the ObjectCreated role's send grant to its failure queue.
      assert.equal(count("aws:iam/rolePolicy:RolePolicy"), 17);
      // The files bucket's TLS-only policy, and the access-log bucket's where access logs are on (prod).
      assert.equal(count("aws:s3/bucketPolicy:BucketPolicy"), run.config.settings.accessLogs ? 2 : 1);
      // The alarm topic's key and the topic's own policy.
      assert.equal(count("aws:kms/key:Key"), 1);
      assert.equal(count("aws:sns/topicPolicy:TopicPolicy"), 1);
    });

    it('allows no "*" or wildcard action and no "*" resource in any policy anywhere', () => {
      const logBucket =
        run.ofType("aws:s3/bucket:Bucket").find((r) => r.name === "fileshare-access-logs")?.outputs["bucket"] ??
        "(none)";
      const keyPolicies = new Set(run.ofType("aws:kms/key:Key").map((k) => k.name));
      for (const { resource, s } of statements().filter(({ s }) => s.Effect === "Allow")) {
        assert.equal(s.NotAction, undefined, resource);
        assert.equal(s.NotResource, undefined, resource);
        for (const action of asList(s.Action)) {
          // One documented exception: SNS's key policy for services that publish to an encrypted topic lists
          // kms:GenerateDataKey* (GenerateDataKey and GenerateDataKeyWithoutPlaintext), in key policies only.
          const documented = keyPolicies.has(resource) && action === "kms:GenerateDataKey*";
          assert.ok(
            typeof action === "string" && (documented || !action.includes("*")),
            `${resource}: action ${action}`,
          );
        }
        for (const arn of asList(s.Resource)) {
          // In a KMS key policy "*" means "this key" (and is the only resource a key policy may name).
          if (keyPolicies.has(resource)) {
            assert.deepEqual(asList(s.Resource), ["*"], `${resource}: a key policy names only its own key`);
            continue;
          }
          assert.notEqual(arn, "*", resource);
          const scoped =
            typeof arn === "string" &&
            (!arn.includes("*") ||
              arn === `arn:aws:s3:::${run.outputs.bucketName}/uploads/*` ||
              arn === `arn:aws:s3:::${logBucket}/s3-access/*` ||
              /^arn:aws:logs:[a-z0-9-]+:\d{12}:log-group:\/aws\/lambda\/fileshare-[\w-]+:\*$/.test(arn));
          assert.ok(scoped, `${resource}: resource ${arn} is not an exact ARN or an allowed prefix`);
        }
      }
    });

    it('uses the "*" principal only in the buckets\' TLS-only Denies; every other principal is one service or the account, where expected', () => {
      const wildcard = statements().filter(({ s }) => JSON.stringify(s.Principal ?? null).includes("*"));
      const tlsOnly = [
        ["fileshare-tls-only", "Deny", "DenyInsecureTransport"],
        ...(run.config.settings.accessLogs ? [["fileshare-access-logs-policy", "Deny", "DenyInsecureTransport"]] : []),
      ];
      assert.deepEqual(
        wildcard.map(({ resource, s }) => [resource, s.Effect, s.Sid]),
        tlsOnly,
      );
      const denies = statements().filter(({ s }) => s.Effect === "Deny");
      assert.equal(denies.length, tlsOnly.length, "the TLS-only statements are the only Denies");
      const trust = /^(lambda|apigateway)\.amazonaws\.com$/;
      const others: string[][] = [];
      for (const { resource, s } of statements().filter(({ s }) => s.Principal !== undefined && s.Effect === "Allow")) {
        assert.equal(Object.keys(s.Principal).length, 1, resource);
        const principal = JSON.stringify(s.Principal.Service ?? s.Principal.AWS);
        if (s.Principal.Service !== undefined && trust.test(s.Principal.Service)) {
          assert.equal(s.Action, "sts:AssumeRole", `${resource}: ${principal} may only assume its role`);
        } else {
          others.push([resource, s.Sid, principal]);
        }
      }
      // Written out: the log delivery service in the log bucket, CloudWatch on the alarm key and topic, the
      // account (its administrators, through IAM) managing the key. Conditions: tests/infra/accessLogs and alarms.
      assert.deepEqual(others.sort(), [
        ...(run.config.settings.accessLogs
          ? [["fileshare-access-logs-policy", "S3ServerAccessLogDelivery", '"logging.s3.amazonaws.com"']]
          : []),
        ["fileshare-alarms-key", "AccountManagesKey", '"arn:aws:iam::123456789012:root"'],
        ["fileshare-alarms-key", "StackAlarmsPublish", '"cloudwatch.amazonaws.com"'],
        ["fileshare-alarms-policy", "StackAlarmsPublish", '"cloudwatch.amazonaws.com"'],
      ]);
    });

    it("attaches no *FullAccess (or admin/power-user) managed policy anywhere", () => {
      const arns = run.resources.flatMap((r) => [
        ...asList(r.inputs["policyArn"]),
        ...asList(r.inputs["managedPolicyArns"]),
      ]) as string[];
      for (const arn of arns) assert.doesNotMatch(arn, /FullAccess|AdministratorAccess|PowerUser/, arn);
      // The only managed policy: API Gateway's logging role (manageApiGatewayAccount, on by default).
      assert.deepEqual(arns, ["arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"]);
    });

    it("calls no provider function (the strict call mock refuses all)", () => {
      assert.deepEqual(run.unexpectedCalls, []);
    });

    it(
      stackName === "prod"
        ? "protects exactly the bucket, the table and the user pool (its accounts are data too)"
        : "protects nothing (dev data is disposable)",
      () => {
        const protectedNames = run.resources.filter((r) => r.protect === true).map((r) => r.type);
        assert.deepEqual(
          protectedNames.sort(),
          stackName === "prod"
            ? ["aws:cognito/userPool:UserPool", "aws:dynamodb/table:Table", "aws:s3/bucket:Bucket"]
            : [],
        );
      },
    );

    it("builds one component tree: fileshare:<module>:<Type> components, every resource parented inside it", () => {
      const components = run.resources.filter((r) => !r.custom);
      const ours = components.filter((r) => r.type.startsWith("fileshare:"));
      assert.deepEqual(ours.map((r) => r.type).sort(), [
        "fileshare:api:Api",
        "fileshare:audit:AuditEvents",
        // Both stacks sign in (fileshare:auth cognito).
        "fileshare:auth:Auth",
        "fileshare:events:UploadEvents",
        "fileshare:functions:Functions",
        "fileshare:functions:SdkLayer",
        "fileshare:index:FileShare",
        "fileshare:monitoring:Alarms",
        "fileshare:monitoring:Dashboard",
        ...(stackName === "prod" ? ["fileshare:storage:AccessLogs"] : []),
        "fileshare:storage:Storage",
        // prod turns WAF on (Pulumi.prod.yaml).
        ...(stackName === "prod" ? ["fileshare:waf:Waf"] : []),
      ]);
      for (const r of ours) assert.match(r.type, /^fileshare:[a-z]+:[A-Z][A-Za-z]+$/);
      const root = run.one("fileshare:index:FileShare");
      assert.equal(root.parent, "");
      const urns = new Set(run.resources.map((r) => r.urn));
      for (const r of run.resources.filter((x) => x !== root)) {
        assert.ok(urns.has(r.parent), `${r.type} ${r.name} has a parent inside the program`);
      }
      for (const r of run.resources) assert.ok(r.name.startsWith("fileshare"), `${r.name} is named from its component`);
    });
  });
}
