// Builds the whole program under the infra tests' Pulumi mocks for one stack's config and prints, as JSON,
// every Lambda function's serialized code (__index.js), the folders its archive carries and its settings.
// Run in a child process by archive.ts: Pulumi's runtime state is per process.
import * as pulumi from "@pulumi/pulumi";
import { buildStack, StackName, valueOf } from "../infra/mocks";

async function main(stack: StackName): Promise<void> {
  const { app } = await buildStack(stack);
  const out = [];
  for (const [name, fn] of Object.entries(app.functions)) {
    const code = (await valueOf(fn.code)) as pulumi.asset.AssetArchive;
    const assets = await code.assets;
    const index = assets["__index.js"] as pulumi.asset.StringAsset;
    const environment = await valueOf(fn.environment);
    out.push({
      name,
      indexJs: await index.text,
      folders: Object.keys(assets).filter((k) => k !== "__index.js"),
      runtime: await valueOf(fn.runtime),
      timeout: await valueOf(fn.timeout),
      memorySize: await valueOf(fn.memorySize),
      environment: environment?.variables ?? {},
    });
  }
  process.stdout.write(JSON.stringify(out));
}

main((process.argv[2] ?? "dev") as StackName).catch((e) => {
  process.stderr.write(String(e?.stack ?? e));
  process.exit(1);
});
