// What the root package.json promises: every root "dependency" is packed into every Lambda archive (Pulumi's
// serializer, docs/deploy.md), so they are only what the functions run, plus @pulumi/* (which it skips); the
// deploy-time tools the program imports are devDependencies, and docs/deploy.md names the install they need.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe("root package.json", () => {
  it("dependencies are the Lambda code's runtime (@aws-sdk/*, jose) and @pulumi/* only: no CLI or tooling", () => {
    const other = Object.keys(pkg.dependencies).filter((n) => !/^@aws-sdk\/|^jose$|^@pulumi\//.test(n));
    assert.deepEqual(other, []);
    assert.ok(!("commander" in pkg.devDependencies), "the CLI's libraries belong to cli/package.json");
  });

  it("the deploy-time tools infra/ imports (esbuild, typescript) are devDependencies, and docs/deploy.md says pulumi up needs them", () => {
    const sdkBundle = readFileSync(join(ROOT, "infra", "sdkBundle.ts"), "utf8");
    const deploy = readFileSync(join(ROOT, "docs", "deploy.md"), "utf8");
    for (const tool of ["esbuild", "typescript"]) {
      assert.match(sdkBundle, new RegExp(`from "${tool}"`));
      assert.ok(tool in pkg.devDependencies && !(tool in pkg.dependencies), tool);
      assert.match(deploy, new RegExp(`\`${tool}\``));
    }
    assert.match(deploy, /^## Which install `pulumi up` needs$/m);
  });
});
