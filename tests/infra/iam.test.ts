// The IAM grants as pure data: exactly which actions each function gets, on exactly which ARNs.
import assert from "node:assert/strict";
import { ROUTES } from "../../handlers/api";
import { FUNCTION_GRANTS, FunctionName, functionPolicyDocument } from "../../infra/iam";
import { actionsByResource, EXPECTED_GRANTS, expectedPolicy } from "./expected";

const BUCKET = "arn:aws:s3:::bucket-1";
const TABLE = "arn:aws:dynamodb:eu-west-1:123456789012:table/table-1";
const LOGS = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/fn";
const UPLOADS = `${BUCKET}/uploads/*`;
const AUDIT_BUS = "arn:aws:events:eu-west-1:123456789012:event-bus/fileshare-dev-audit";

describe("IAM grants (pure policy documents)", () => {
  it("has a grant for every route's function, objectCreated and cleanup, and nothing else", () => {
    assert.deepEqual(
      Object.keys(FUNCTION_GRANTS).sort(),
      [...ROUTES.map((r) => r.name), "objectCreated", "cleanup"].sort(),
    );
  });

  for (const fn of Object.keys(EXPECTED_GRANTS) as FunctionName[]) {
    it(`gives ${fn} exactly its own actions, on the table, the bucket, uploads/*, the audit bus and its own log group only`, () => {
      const document = functionPolicyDocument(fn, BUCKET, TABLE, LOGS, AUDIT_BUS);
      assert.equal(document.Version, "2012-10-17");
      assert.ok(document.Statement.every((s) => s.Effect === "Allow"));
      assert.deepEqual(
        actionsByResource(document),
        expectedPolicy(fn, { table: TABLE, bucket: BUCKET, uploads: UPLOADS, logGroup: LOGS, auditBus: AUDIT_BUS }),
      );
    });
  }

  it("lets exactly the functions that change a share (create, download, delete, confirm/reject, clean-up) put events, on the audit bus only", () => {
    const senders = (Object.keys(FUNCTION_GRANTS) as FunctionName[]).filter((fn) =>
      functionPolicyDocument(fn, BUCKET, TABLE, LOGS, AUDIT_BUS).Statement.some((s) =>
        s.Action.some((a) => a.startsWith("events:")),
      ),
    );
    assert.deepEqual(senders.sort(), [
      "cleanup",
      "createShare",
      "createUpload",
      "deleteFile",
      "downloadFile",
      "objectCreated",
    ]);
    for (const fn of senders) {
      const statements = functionPolicyDocument(fn, BUCKET, TABLE, LOGS, AUDIT_BUS).Statement.filter((s) =>
        s.Action.some((a) => a.startsWith("events:")),
      );
      assert.deepEqual(statements, [
        { Sid: "SendAuditEvents", Effect: "Allow", Action: ["events:PutEvents"], Resource: [AUDIT_BUS] },
      ]);
    }
  });
});
