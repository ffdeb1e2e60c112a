// index.ts itself, run as `pulumi up` would run it (under mocks, with the dev stack's config).
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { runMocked, valueOf } from "./mocks";

describe("index.ts (the program under mocks with the dev config; not a deployed stack)", () => {
  it("exports exactly the stack outputs apiUrl (ending with /), bucketName and tableName, and no sign-in outputs with auth none", async () => {
    const { result } = await runMocked("dev", () => {
      // A fresh evaluation of the program module, as each `pulumi up` is.
      delete require.cache[require.resolve("../../index")];
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require("../../index") as Record<string, pulumi.Output<string>>;
    });
    const defined = Object.keys(result).filter((k) => result[k] !== undefined);
    assert.deepEqual(defined.sort(), ["apiUrl", "bucketName", "tableName"]);
    // The sign-in outputs exist only with fileshare:auth cognito (tests/infra/auth.test.ts).
    for (const k of ["userPoolId", "userPoolClientId", "signInDomain"]) assert.equal(result[k], undefined, k);
    const apiUrl = await valueOf(result["apiUrl"] as pulumi.Output<string>);
    assert.match(apiUrl, /^https:\/\/[a-z0-9]+\.execute-api\.eu-west-1\.amazonaws\.com\/dev\/$/);
    assert.ok((await valueOf(result["bucketName"] as pulumi.Output<string>)).length > 0);
    assert.ok((await valueOf(result["tableName"] as pulumi.Output<string>)).length > 0);
  });
});
