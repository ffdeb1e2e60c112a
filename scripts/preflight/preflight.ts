// The preflight: runs the program under Pulumi mocks for a stack's config, as `pulumi up` would run it, and checks
// what it would send AWS (checks.ts). Nothing here talks to AWS; docs/deploy.md lists what only AWS can check.
import { loadConfig } from "../../infra/config";
import { FileShare } from "../../infra/fileshare";
import { runMocked } from "./mocks";
import type { Settings } from "../../config/schema";
import { checkApiBodies, checkCrossResource, checkStrings, Finding, Resource } from "./checks";
import { requireModels } from "./models";

export interface PreflightResult {
  /** How many resources the stack would create. */
  resources: number;
  findings: Finding[];
}

/** Checks a stack whose config (Pulumi.yaml defaults, the stack file, overrides) is given as `key: text`. A setting
 *  the schema refuses (config/parse.ts) is one finding, as `pulumi up` would stop there. */
export async function preflight(stack: string, config: Record<string, string>): Promise<PreflightResult> {
  requireModels();
  let settings: ReturnType<typeof loadConfig>["settings"] | undefined;
  let refused: Error | undefined;
  const run = await runMocked(
    stack,
    () => {
      try {
        const loaded = loadConfig();
        settings = loaded.settings;
        return new FileShare("fileshare", loaded);
      } catch (e) {
        refused = e as Error;
        return undefined;
      }
    },
    config,
  );
  if (refused !== undefined || settings === undefined) {
    const message = (refused?.message ?? "the program registered nothing").replace(/\.$/, "");
    const fix = `set the setting it names in Pulumi.${stack}.yaml (pulumi config set <key> <value> --stack ${stack})`;
    return { resources: 0, findings: [{ resource: `stack ${stack}`, input: "config", rule: message, fix }] };
  }
  // The S3 notification is registered on beforeExit (@pulumi/aws mixins), as at the end of `pulumi up`.
  process.emit("beforeExit", 0);
  await new Promise((resolve) => setImmediate(resolve));
  return { resources: run.resources.filter((r) => r.custom).length, findings: await checkRun(run.resources, settings) };
}

/** Every check on what one run of the program registered. */
export async function checkRun(resources: readonly Resource[], settings: Settings): Promise<Finding[]> {
  return [...checkStrings(resources), ...(await checkApiBodies(resources)), ...checkCrossResource(resources, settings)];
}
