// index.ts itself, run as `pulumi up` would run it (under mocks, with the dev stack's config).
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { runMocked, valueOf } from "./mocks";

describe("index.ts (the program under mocks with the dev config; not a deployed stack)", function () {
  // Whole-program builds under mocks on a busy machine: a deadline for hangs only.
  this.timeout(600_000);
  it("exports exactly the stack outputs apiUrl (ending with /), bucketName, tableName, alarmTopicArn, dashboardName and dev's sign-in outputs (userPoolId, userPoolClientId, signInDomain), and no access-log or API-key outputs", async () => {
    const { result } = await runMocked("dev", () => {
      // A fresh evaluation of the program module, as each `pulumi up` is.
      delete require.cache[require.resolve("../../index")];
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require("../../index") as Record<string, pulumi.Output<string>>;
    });
    const defined = Object.keys(result).filter((k) => result[k] !== undefined);
    assert.deepEqual(defined.sort(), [
      "alarmTopicArn",
      "apiUrl",
      "bucketName",
      "dashboardName",
      "signInDomain",
      "tableName",
      "userPoolClientId",
      "userPoolId",
    ]);
    // accessLogBucket exists only with fileshare:accessLogs (prod; tests/infra/accessLogs.test.ts).
    assert.equal(result["accessLogBucket"], undefined);
    // dev signs in (fileshare:auth cognito): the pool, its client and the managed sign-in domain.
    assert.match(await valueOf(result["userPoolId"] as pulumi.Output<string>), /^\S+$/);
    assert.match(await valueOf(result["userPoolClientId"] as pulumi.Output<string>), /^\S+$/);
    assert.match(
      await valueOf(result["signInDomain"] as pulumi.Output<string>),
      /^fileshare-dev-.*\.auth\.eu-west-1\.amazoncognito\.com$/,
    );
    const apiUrl = await valueOf(result["apiUrl"] as pulumi.Output<string>);
    assert.match(apiUrl, /^https:\/\/[a-z0-9]+\.execute-api\.eu-west-1\.amazonaws\.com\/dev\/$/);
    assert.ok((await valueOf(result["bucketName"] as pulumi.Output<string>)).length > 0);
    assert.ok((await valueOf(result["tableName"] as pulumi.Output<string>)).length > 0);
    assert.equal(
      await valueOf(result["alarmTopicArn"] as pulumi.Output<string>),
      "arn:aws:sns:eu-west-1:123456789012:fileshare-dev-alarms",
    );
    assert.equal(await valueOf(result["dashboardName"] as pulumi.Output<string>), "fileshare-dev");
  });
});
