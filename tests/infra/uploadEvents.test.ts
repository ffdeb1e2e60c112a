// The S3 upload event wiring (infra/uploadEvents.ts) for both stacks, as resource inputs under Pulumi mocks.
// Not proven here: that S3 delivers the events, that Lambda retries and then sends to the queue (AWS behaviour);
// tests/handlers/events.test.ts proves the handler throws exactly when a retry can help.
import assert from "node:assert/strict";
import { ACCOUNT_ID, buildStack, policyDocuments, STACKS, StackRun } from "./mocks";

for (const stackName of STACKS) {
  describe(`S3 upload events on ${stackName} (resource inputs under mocks; not AWS delivery)`, () => {
    let run: StackRun;
    const objectCreated = () => run.one("aws:lambda/function:Function", "fileshare-objectCreated");
    const queue = () => run.one("aws:sqs/queue:Queue");
    before(async () => {
      run = await buildStack(stackName);
    });

    it("lets only S3, from the app's bucket in this account, invoke objectCreated", () => {
      const permissions = run
        .ofType("aws:lambda/permission:Permission")
        .filter((p) => p.inputs["principal"] === "s3.amazonaws.com");
      assert.equal(permissions.length, 1);
      assert.deepEqual(permissions[0]?.inputs, {
        action: "lambda:InvokeFunction",
        function: `fileshare-${stackName}-objectCreated`,
        principal: "s3.amazonaws.com",
        sourceArn: `arn:aws:s3:::${run.outputs.bucketName}`,
        sourceAccount: ACCOUNT_ID,
      });
    });

    it("notifies objectCreated of every new object under uploads/ (one BucketNotification, after the permission)", () => {
      const notification = run.one("aws:s3/bucketNotification:BucketNotification");
      assert.equal(notification.inputs["bucket"], run.outputs.bucketName);
      assert.deepEqual(notification.inputs["lambdaFunctions"], [
        { events: ["s3:ObjectCreated:*"], filterPrefix: "uploads/", lambdaFunctionArn: objectCreated().outputs["arn"] },
      ]);
      assert.equal(notification.inputs["topics"], undefined);
      assert.equal(notification.inputs["queues"], undefined);
      assert.ok(
        notification.dependencies.includes(
          run.one("aws:lambda/permission:Permission", "fileshare-upload-events-invoke").urn,
        ),
      );
    });

    it("keeps failed events 14 days in an encrypted queue", () => {
      assert.equal(run.ofType("aws:sqs/queue:Queue").length, 1);
      assert.equal(queue().inputs["messageRetentionSeconds"], 14 * 24 * 3600);
      assert.equal(queue().inputs["sqsManagedSseEnabled"], true);
    });

    it("retries a failed event twice for up to 6 hours, then sends it to that queue", () => {
      const config = run.one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig");
      assert.deepEqual(config.inputs, {
        functionName: `fileshare-${stackName}-objectCreated`,
        maximumRetryAttempts: 2,
        maximumEventAgeInSeconds: 6 * 3600,
        destinationConfig: { onFailure: { destination: queue().outputs["arn"] } },
      });
      const grant = run.one("aws:iam/rolePolicy:RolePolicy", "fileshare-upload-events-failed-send");
      assert.ok(config.dependencies.includes(grant.urn), "the role may send before Lambda checks the destination");
    });

    it("lets objectCreated's role, and no other, send to exactly that queue (sqs:SendMessage only)", () => {
      const grant = run.one("aws:iam/rolePolicy:RolePolicy", "fileshare-upload-events-failed-send");
      const role = run.one("aws:iam/role:Role", "fileshare-objectCreated-role");
      assert.equal(grant.inputs["role"], role.outputs["name"]);
      assert.deepEqual(JSON.parse(grant.inputs["policy"]).Statement, [
        { Sid: "SendFailedEvents", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [queue().outputs["arn"]] },
      ]);
      const mentioning = run.resources.filter((r) =>
        policyDocuments(r.inputs).some((d) => JSON.stringify(d).includes(queue().outputs["arn"])),
      );
      assert.deepEqual(
        mentioning.map((r) => r.name),
        ["fileshare-upload-events-failed-send"],
      );
    });

    it("keeps the whole wiring in one component", () => {
      const component = run.one("fileshare:events:UploadEvents");
      for (const type of [
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
        "aws:s3/bucketNotification:BucketNotification",
        "aws:sqs/queue:Queue",
      ]) {
        assert.equal(run.one(type).parent, component.urn, type);
      }
      assert.equal(run.one("aws:lambda/permission:Permission", "fileshare-upload-events-invoke").parent, component.urn);
    });
  });
}
