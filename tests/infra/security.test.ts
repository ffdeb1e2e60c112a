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
      // One per function (12 routes, objectCreated, cleanup), plus the ObjectCreated role's send grant to its failure queue.
      assert.equal(count("aws:iam/rolePolicy:RolePolicy"), 15);
      assert.equal(count("aws:s3/bucketPolicy:BucketPolicy"), 1);
    });

    it('allows no "*" or wildcard action and no "*" resource in any policy anywhere', () => {
      for (const { resource, s } of statements().filter(({ s }) => s.Effect === "Allow")) {
        assert.equal(s.NotAction, undefined, resource);
        assert.equal(s.NotResource, undefined, resource);
        for (const action of asList(s.Action)) {
          assert.ok(typeof action === "string" && !action.includes("*"), `${resource}: action ${action}`);
        }
        for (const arn of asList(s.Resource)) {
          assert.notEqual(arn, "*", resource);
          const scoped =
            typeof arn === "string" &&
            (!arn.includes("*") ||
              arn === `arn:aws:s3:::${run.outputs.bucketName}/uploads/*` ||
              /^arn:aws:logs:[a-z0-9-]+:\d{12}:log-group:\/aws\/lambda\/fileshare-[\w-]+:\*$/.test(arn));
          assert.ok(scoped, `${resource}: resource ${arn} is not an exact ARN or an allowed prefix`);
        }
      }
    });

    it('uses the "*" principal only in the bucket policy\'s TLS-only Deny; trust policies name one service', () => {
      const wildcard = statements().filter(({ s }) => JSON.stringify(s.Principal ?? null).includes("*"));
      assert.deepEqual(
        wildcard.map(({ resource, s }) => [resource, s.Effect, s.Sid]),
        [["fileshare-tls-only", "Deny", "DenyInsecureTransport"]],
      );
      const denies = statements().filter(({ s }) => s.Effect === "Deny");
      assert.equal(denies.length, 1, "the TLS-only statement is the only Deny");
      for (const { resource, s } of statements().filter(({ s }) => s.Principal !== undefined && s.Effect === "Allow")) {
        assert.deepEqual(Object.keys(s.Principal), ["Service"], resource);
        assert.match(s.Principal.Service, /^(lambda|apigateway)\.amazonaws\.com$/, resource);
      }
    });

    it("attaches no *FullAccess (or admin/power-user) managed policy anywhere", () => {
      const arns = run.resources.flatMap((r) => [
        ...asList(r.inputs["policyArn"]),
        ...asList(r.inputs["managedPolicyArns"]),
      ]) as string[];
      for (const arn of arns) assert.doesNotMatch(arn, /FullAccess|AdministratorAccess|PowerUser/, arn);
      // The only managed policy (API Gateway's logging role) is opt-in (manageApiGatewayAccount, off by default);
      // tests/infra/api.test.ts checks it on an opted-in run.
      assert.deepEqual(arns, []);
    });

    it("calls no provider function (the strict call mock refuses all)", () => {
      assert.deepEqual(run.unexpectedCalls, []);
    });

    it(
      stackName === "prod" ? "protects exactly the bucket and the table" : "protects nothing (dev data is disposable)",
      () => {
        const protectedNames = run.resources.filter((r) => r.protect === true).map((r) => r.type);
        assert.deepEqual(
          protectedNames.sort(),
          stackName === "prod" ? ["aws:dynamodb/table:Table", "aws:s3/bucket:Bucket"] : [],
        );
      },
    );

    it("builds one component tree: fileshare:<module>:<Type> components, every resource parented inside it", () => {
      const components = run.resources.filter((r) => !r.custom);
      const ours = components.filter((r) => r.type.startsWith("fileshare:"));
      assert.deepEqual(ours.map((r) => r.type).sort(), [
        "fileshare:api:Api",
        "fileshare:audit:AuditEvents",
        "fileshare:events:UploadEvents",
        "fileshare:functions:Functions",
        "fileshare:functions:SdkLayer",
        "fileshare:index:FileShare",
        "fileshare:storage:Storage",
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
