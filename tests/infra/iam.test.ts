// The IAM grants as pure data: exactly which actions each function gets, on exactly which ARNs.
import assert from "node:assert/strict";
import { ROUTES } from "../../handlers/routeTable";
import { FUNCTION_GRANTS, FunctionName, functionPolicyDocument } from "../../infra/iam";
import { actionsByResource, EXPECTED_GRANTS, expectedPolicy } from "./expected";

const BUCKET = "arn:aws:s3:::bucket-1";
const TABLE = "arn:aws:dynamodb:eu-west-1:123456789012:table/table-1";
const LOGS = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/fn";
const UPLOADS = `${BUCKET}/uploads/*`;

describe("IAM grants (pure policy documents)", () => {
  it("has a grant for every route's function, objectCreated and cleanup, and nothing else", () => {
    assert.deepEqual(
      Object.keys(FUNCTION_GRANTS).sort(),
      [...ROUTES.map((r) => r.name), "objectCreated", "cleanup"].sort(),
    );
  });

  for (const fn of Object.keys(EXPECTED_GRANTS) as FunctionName[]) {
    it(`gives ${fn} exactly its own actions, on the table, the bucket, uploads/* and its own log group only`, () => {
      const document = functionPolicyDocument(fn, BUCKET, TABLE, LOGS);
      assert.equal(document.Version, "2012-10-17");
      assert.ok(document.Statement.every((s) => s.Effect === "Allow"));
      assert.deepEqual(
        actionsByResource(document),
        expectedPolicy(fn, { table: TABLE, bucket: BUCKET, uploads: UPLOADS, logGroup: LOGS }),
      );
    });
  }
});
