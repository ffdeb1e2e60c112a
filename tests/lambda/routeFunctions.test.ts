// Each route's Lambda function runs that route's handler and nothing else: the Functions component is built
// under Pulumi mocks from the real route table with every handler swapped for a marker, and each function's
// serialized archive is run in a fresh Node process outside the project. A function that ran any other code
// (a special factory for one route, another route's handler) would answer with the wrong marker or fail.
// Not proven here: the Lambda service itself.
import assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { APIGatewayProxyResult } from "aws-lambda";
import type { ConfigOnly, RouteHandler } from "../../handlers/http";
import type { Route } from "../../handlers/routeSpec";
import { ROUTES } from "../../handlers/api";
import { Functions } from "../../infra/functions";
import { loadConfig } from "../../infra/config";
import { proxyEvent } from "../../local/events";
import { runMocked, stackConfigText, valueOf } from "../infra/mocks";
import { BuiltFunction, LambdaProcess, layOut, layOutLayer } from "./archive";

/** A handler that answers which route it belongs to, and whether it was given the data clients. */
function marker(name: string): RouteHandler<ConfigOnly> {
  return async (_request, deps) => ({
    status: 200,
    body: { ranHandlerOf: name, gotDataClients: "s3" in deps && "db" in deps },
  });
}

describe("Each route's function runs exactly its route's handler (marker handlers, serialized code run alone)", function () {
  this.timeout(300_000); // serializing under mocks is slow on a loaded 2-core machine
  const built: BuiltFunction[] = [];
  const lambdas: Record<string, LambdaProcess> = {};
  let root: string;

  before(async () => {
    const routes = ROUTES.map((route) => ({ ...route, handler: marker(route.name) }) as Route);
    // Routing only: the dev stack's sign-in (which needs a user pool) is beside the point, so auth is none here.
    const run = await runMocked(
      "dev",
      () => {
        const { settings, stack } = loadConfig();
        const bucket = new aws.s3.Bucket("marker-bucket");
        const table = new aws.dynamodb.Table("marker-table", {
          hashKey: "id",
          attributes: [{ name: "id", type: "S" }],
        });
        const audit = { bus: new aws.cloudwatch.EventBus("marker-bus"), source: "fileshare.marker" };
        return new Functions("marker", { settings, stack, routes, bucket, table, audit });
      },
      { ...stackConfigText("dev"), "fileshare:auth": "none" },
    );
    root = await mkdtemp(join(tmpdir(), "fileshare-markers-"));
    const layerCode = (await valueOf(run.result.sdkLayer.layer.code)) as pulumi.asset.AssetArchive;
    const layerFiles: Record<string, string> = {};
    for (const [path, asset] of Object.entries(await layerCode.assets)) {
      layerFiles[path] = (await (asset as pulumi.asset.StringAsset).text) as string;
    }
    const layerModules = await layOutLayer(layerFiles, join(root, "opt"));
    for (const route of ROUTES) {
      const fn = run.result.functions[route.name];
      const assets = await ((await valueOf(fn.code)) as pulumi.asset.AssetArchive).assets;
      const environment = (await valueOf(fn.environment))?.variables ?? {};
      const one: BuiltFunction = {
        name: route.name,
        indexJs: (await (assets["__index.js"] as pulumi.asset.StringAsset).text) as string,
        folders: Object.keys(assets).filter((k) => k !== "__index.js"),
        layers: [],
        runtime: "",
        timeout: 0,
        memorySize: 0,
        environment,
      };
      built.push(one);
      await layOut(one, join(root, route.name));
      lambdas[route.name] = new LambdaProcess(
        join(root, route.name),
        { ...environment, AWS_REGION: "eu-west-1" },
        layerModules,
      );
    }
  });

  after(async () => {
    for (const lambda of Object.values(lambdas)) lambda.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  for (const route of ROUTES) {
    it(`${route.method} ${route.path}: the ${route.name} function answers with the ${route.name} handler (needs ${route.needs})`, async () => {
      const event = proxyEvent({
        method: route.method,
        path: route.path.replace("{id}", "AAAAAAAAAAAAAAAAAAAAAA"),
        resource: route.path,
        pathParameters: route.path.includes("{id}") ? { id: "AAAAAAAAAAAAAAAAAAAAAA" } : {},
        headers: { host: "abc.execute-api.eu-west-1.amazonaws.com" },
      });
      const result = (await lambdas[route.name]!.invoke(event)) as APIGatewayProxyResult;
      assert.equal(result.statusCode, 200, result.body);
      assert.deepEqual(JSON.parse(result.body), {
        ranHandlerOf: route.name,
        gotDataClients: route.needs === "data",
      });
    });
  }

  it("builds every route's function with no SDK package (the data functions take the SDK from the layer, and carry only jose, the token checker)", () => {
    for (const fn of built) {
      const needs = ROUTES.find((r) => r.name === fn.name)?.needs;
      assert.deepEqual(fn.folders, needs === "data" ? ["node_modules/jose"] : [], fn.name);
    }
  });
});
