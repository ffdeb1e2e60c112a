// Builds the whole program under the infra tests' Pulumi mocks for one stack's config and prints, as JSON,
// every Lambda function's serialized code (__index.js), the folders its archive carries and its settings,
// and the files of the SDK layer the program built. Run in a child process by archive.ts: Pulumi's runtime
// state is per process.
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "../../infra/config";
import { FileShare } from "../../infra/fileshare";
import { buildStack, runMocked, stackConfigText, StackName, valueOf } from "../infra/mocks";

/** The text of every file in an archive, by path. */
async function archiveFiles(archive: pulumi.asset.AssetArchive): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [path, asset] of Object.entries(await archive.assets)) {
    out[path] = await (asset as pulumi.asset.StringAsset).text;
  }
  return out;
}

/** The stack as index.ts builds it; `extra` (fileshare:* keys as config text) on top of its stack file. */
async function build(stack: StackName, extra: Record<string, string> | undefined) {
  if (extra === undefined) return buildStack(stack);
  const run = await runMocked(stack, () => new FileShare("fileshare", loadConfig()), {
    ...stackConfigText(stack),
    ...extra,
  });
  const one = (type: string) => run.resources.find((r) => r.type === type)!;
  return { app: run.result, one };
}

async function main(stack: StackName, extra: Record<string, string> | undefined): Promise<void> {
  const run = await build(stack, extra);
  const functions = [];
  for (const [name, fn] of Object.entries(run.app.functions)) {
    const code = (await valueOf(fn.code)) as pulumi.asset.AssetArchive;
    const assets = await code.assets;
    const index = assets["__index.js"] as pulumi.asset.StringAsset;
    const environment = await valueOf(fn.environment);
    functions.push({
      name,
      indexJs: await index.text,
      folders: Object.keys(assets).filter((k) => k !== "__index.js"),
      layers: (await valueOf(fn.layers)) ?? [],
      runtime: await valueOf(fn.runtime),
      timeout: await valueOf(fn.timeout),
      memorySize: await valueOf(fn.memorySize),
      environment: environment?.variables ?? {},
    });
  }
  const layer = run.one("aws:lambda/layerVersion:LayerVersion");
  const out = {
    functions,
    layer: { arn: layer.outputs["arn"], files: await archiveFiles(layer.inputs["code"]) },
  };
  process.stdout.write(JSON.stringify(out));
}

main((process.argv[2] ?? "dev") as StackName, process.argv[3] ? JSON.parse(process.argv[3]) : undefined).catch((e) => {
  process.stderr.write(String(e?.stack ?? e));
  process.exit(1);
});
