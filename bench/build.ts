// Run by bench/support.ts in its own process (Pulumi's runtime state is per process): runs index.ts, as
// `pulumi up` would, under minimal Pulumi mocks with the dev stack's config, and prints as JSON every Lambda
// function's serialized code, the folders its archive carries, the SDK layer's files, and the folders that
// default packing (no codePathOptions) would put in every archive: the baseline of the size ratios.
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const ROOT = join(__dirname, "..");

/** Pulumi.yaml's defaults overlaid by the stack file, as the CLI hands config to the program (text values). */
function stackConfig(stack: string): Record<string, string> {
  const read = (file: string) => parse(readFileSync(join(ROOT, file), "utf8")) as { config: Record<string, unknown> };
  const text = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
  const out: Record<string, string> = {};
  for (const [key, spec] of Object.entries(read("Pulumi.yaml").config)) {
    const value = (spec as { default?: unknown } | null)?.default;
    if (value !== undefined) out[key] = text(value);
  }
  for (const [key, value] of Object.entries(read(`Pulumi.${stack}.yaml`).config)) out[key] = text(value);
  return out;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Inputs = Record<string, any>;

async function archiveText(archive: pulumi.asset.AssetArchive): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [path, asset] of Object.entries(await archive.assets)) {
    out[path] = await (asset as pulumi.asset.StringAsset).text;
  }
  return out;
}

async function main(): Promise<void> {
  const stack = "dev";
  const recorded: { type: string; name: string; inputs: Inputs }[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: ({ type, name, inputs }) => {
        recorded.push({ type, name, inputs });
        // Every output some resource reads from another, with a plausible value; nothing here is checked.
        const arn = `arn:aws:mock:eu-west-1:123456789012:${name}`;
        // (endpoint: a Cognito user pool's, which the dev stack's sign-in splits for its region)
        const outputs = {
          ...{ arn, invokeArn: arn, executionArn: arn, rootResourceId: "root", invokeUrl: "https://x/dev" },
          endpoint: `cognito-idp.eu-west-1.amazonaws.com/${name}`,
        };
        return { id: `${name}-id`, state: { ...outputs, name: name, bucket: name, ...inputs } };
      },
      call: ({ token }) => {
        throw new Error(`unexpected provider call ${token}`);
      },
    },
    "fileshare",
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(stackConfig(stack));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program registers its resources on load
  require("../index");
  process.emit("beforeExit", 0);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> }).waitForRPCs();

  const functions = [];
  for (const r of recorded.filter((x) => x.type === "aws:lambda/function:Function")) {
    const files = Object.keys(await (r.inputs["code"] as pulumi.asset.AssetArchive).assets);
    functions.push({
      name: String(r.inputs["name"]).replace(/^.*-/, ""),
      indexJs: (await archiveText(r.inputs["code"]))["__index.js"],
      folders: files.filter((f) => f !== "__index.js"),
      layers: r.inputs["layers"] ?? [],
    });
  }
  const layers = recorded.filter((x) => x.type === "aws:lambda/layerVersion:LayerVersion");
  const layer = layers.length === 1 ? await archiveText(layers[0]!.inputs["code"]) : {};
  const defaultFolders = [...(await pulumi.runtime.computeCodePaths()).keys()];
  process.stdout.write(JSON.stringify({ functions, layer, defaultFolders }));
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e));
  process.exit(1);
});
