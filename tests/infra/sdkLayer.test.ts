// The SDK layer as the program declares it, for both stacks (resource inputs under Pulumi mocks: what Lambda
// would do with the layer is proven by tests/lambda/, which runs the serialized code on the layer's files).
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ROUTES } from "../../handlers/api";
import type { FunctionName } from "../../infra/iam";
import { BUNDLE_PATH, sdkImports } from "../../infra/sdkBundle";
import { buildStack, STACKS, StackRun } from "./mocks";

const FUNCTION = "aws:lambda/function:Function";
const LAYER = "aws:lambda/layerVersion:LayerVersion";
const NAMES: FunctionName[] = [...ROUTES.map((r) => r.name), "objectCreated"];
/** Functions of routes that need no data, and so no SDK. */
const DATA_FREE: FunctionName[] = ROUTES.filter((r) => r.needs === "none").map((r) => r.name);

for (const stackName of STACKS) {
  describe(`The SDK layer on ${stackName} (resource inputs under mocks; not a published layer)`, () => {
    let run: StackRun;
    before(async () => {
      run = await buildStack(stackName);
    });

    it("is one layer per stack, named <project>-<stack>-sdk, inside the functions component", () => {
      const layer = run.one(LAYER);
      assert.equal(layer.inputs["layerName"], `fileshare-${stackName}-sdk`);
      assert.equal(layer.parent, run.one("fileshare:functions:SdkLayer").urn);
    });

    it("declares exactly the runtime and architectures of the functions that attach it", () => {
      const layer = run.one(LAYER);
      for (const f of run.ofType(FUNCTION)) {
        assert.deepEqual(layer.inputs["compatibleRuntimes"], [f.inputs["runtime"]], f.name);
        assert.deepEqual(layer.inputs["compatibleArchitectures"], f.inputs["architectures"], f.name);
      }
    });

    it("is attached to every data function, and the page and openapi functions stay SDK-free (no layer)", () => {
      const layerArn = run.one(LAYER).outputs["arn"];
      assert.match(layerArn, /^arn:aws:lambda:[a-z0-9-]+:\d{12}:layer:fileshare-\w+-sdk:\d+$/);
      for (const name of NAMES) {
        const f = run.one(FUNCTION, `fileshare-${name}`);
        assert.deepEqual(f.inputs["layers"] ?? [], DATA_FREE.includes(name) ? [] : [layerArn], name);
      }
    });

    it("holds a stub at nodejs/node_modules/<pkg>/dist-cjs/index.js for each SDK package handlers/ imports, over one bundle", async () => {
      const archive = run.one(LAYER).inputs["code"] as pulumi.asset.AssetArchive;
      const paths = Object.keys(await archive.assets).sort();
      const expected = [...sdkImports().keys()].flatMap((pkg) => [
        `nodejs/node_modules/${pkg}/dist-cjs/index.js`,
        `nodejs/node_modules/${pkg}/package.json`,
      ]);
      assert.deepEqual(paths, [...expected, BUNDLE_PATH].sort());
      assert.ok(expected.some((p) => p.includes("@aws-sdk/client-s3/")));
    });
  });
}
