// index.ts itself, run as `pulumi up` would run it (under mocks, with the dev stack's config).
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { runMocked, valueOf } from "./mocks";

describe("index.ts (the program under mocks with the dev config; not a deployed stack)", () => {
  it("exports exactly the stack outputs apiUrl (ending with /), bucketName and tableName", async () => {
    const { result } = await runMocked("dev", () => {
      // A fresh evaluation of the program module, as each `pulumi up` is.
      delete require.cache[require.resolve("../../index")];
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require("../../index") as Record<string, pulumi.Output<string>>;
    });
    assert.deepEqual(Object.keys(result).sort(), ["apiUrl", "bucketName", "tableName"]);
    const apiUrl = await valueOf(result["apiUrl"] as pulumi.Output<string>);
    assert.match(apiUrl, /^https:\/\/[a-z0-9]+\.execute-api\.eu-west-1\.amazonaws\.com\/dev\/$/);
    assert.ok((await valueOf(result["bucketName"] as pulumi.Output<string>)).length > 0);
    assert.ok((await valueOf(result["tableName"] as pulumi.Output<string>)).length > 0);
  });
});
