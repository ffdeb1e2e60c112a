// One Lambda layer per stack with the AWS SDK names the handlers import (infra/sdkBundle.ts), built by esbuild
// during the Pulumi program run from the locked SDK versions. The data functions attach it and leave the
// SDK packages out of their own archives: a few KB each instead of ~3.6 MB, and a faster cold start.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { buildSdkLayer, sdkImports } from "./sdkBundle";

export interface SdkLayerArgs {
  /** The layer's name, e.g. `fileshare-dev-sdk`. */
  layerName: string;
  /** The functions' runtime and architectures: the layer declares exactly these. */
  runtime: aws.lambda.Runtime;
  architectures: string[];
}

/** The stack's SDK layer: attach `arn` and exclude `packages` from each data function's archive. */
export class SdkLayer extends pulumi.ComponentResource {
  /** The versioned layer ARN to list in a function's `layers`. */
  public readonly arn: pulumi.Output<string>;
  /** The SDK packages the layer provides: a function that attaches it must not pack them itself. */
  public readonly packages: string[];
  public readonly layer: aws.lambda.LayerVersion;

  constructor(name: string, args: SdkLayerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fileshare:functions:SdkLayer", name, {}, opts);
    const imports = sdkImports();
    this.packages = [...imports.keys()];
    const code = buildSdkLayer(imports).then(
      (files) =>
        new pulumi.asset.AssetArchive(
          Object.fromEntries(Object.entries(files).map(([path, text]) => [path, new pulumi.asset.StringAsset(text)])),
        ),
    );
    this.layer = new aws.lambda.LayerVersion(
      name,
      {
        layerName: args.layerName,
        // Lambda allows 256 characters.
        description: `esbuild bundle of the AWS SDK names the handlers import: ${this.packages.join(", ")}`.slice(
          0,
          256,
        ),
        code,
        compatibleRuntimes: [args.runtime],
        compatibleArchitectures: args.architectures,
      },
      { parent: this },
    );
    this.arn = this.layer.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
