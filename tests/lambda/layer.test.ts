// The SDK layer's bundle (infra/sdkBundle.ts), built here exactly as `pulumi up` builds it, laid out outside
// the project and used for real: the URLs it signs, the names it carries, what it leaves out.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { builtinModules } from "node:module";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUNDLE_PATH, buildSdkLayer, bundleSdk, importedSdkNames, LayerFiles, sdkImports } from "../../infra/sdkBundle";
import { layOutLayer } from "./archive";

/** Runs `node [args]` with an environment of PATH plus `env`; resolves with its stdout, rejects on a non-zero exit. */
function node(args: string[], env: Record<string, string>, cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env["PATH"] ?? "", ...env } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
  });
}

interface Signed {
  urls: Record<string, Record<string, string | { url: string; headers: Record<string, string> }>>;
  sdkFiles: string[];
}

/** The handlers' signing code run in a child process, with the layer answering `@aws-sdk/*` when given. */
async function signedUrls(layerModules?: string): Promise<Signed> {
  const script = join(__dirname, "presign-cases.ts");
  const args = ["-r", "ts-node/register/transpile-only", script, ...(layerModules ? [layerModules] : [])];
  return JSON.parse(await node(args, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" }, process.cwd()));
}

const urlOf = (v: string | { url: string }) => new URL(typeof v === "string" ? v : v.url);

describe("The SDK layer's bundle, built as pulumi up builds it", function () {
  this.timeout(120_000);
  let files: LayerFiles;
  let root: string;
  let modules: string;

  before(async () => {
    files = await buildSdkLayer();
    root = await mkdtemp(join(tmpdir(), "fileshare-layer-"));
    modules = await layOutLayer(files, join(root, "opt"));
  });

  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("signs byte-identical URLs to the SDK packages' at a fixed clock and credentials (PUT + SHA-256 + If-None-Match, PUT, multipart UploadPart with and without SHA-256, GET + Content-Disposition)", async () => {
    const [fromPackages, fromLayer] = await Promise.all([signedUrls(), signedUrls(modules)]);
    // Each run loaded the SDK it claims to: the packages, or the layer's stubs and bundle and nothing else.
    assert.ok(fromPackages.sdkFiles.some((f) => f.includes("node_modules/@aws-sdk/client-s3/")));
    assert.ok(fromPackages.sdkFiles.every((f) => !f.startsWith(root)));
    assert.ok(fromLayer.sdkFiles.some((f) => f.endsWith("sdk-bundle.js")));
    assert.deepEqual(
      fromLayer.sdkFiles.filter((f) => !f.startsWith(root)),
      [],
      "with the layer, no SDK file of the project is loaded",
    );
    assert.deepEqual(fromLayer.urls, fromPackages.urls);
    assert.deepEqual(Object.keys(fromLayer.urls["aws"]!).sort(), [
      "getWithDisposition",
      "plainPut",
      "putConditional",
      "putWithSha256",
      "uploadPart",
      "uploadPartWithSha256",
    ]);
  });

  it("puts no checksum the client did not ask for into any signed URL, and signs the one it did", async () => {
    const { urls } = await signedUrls(modules);
    for (const [target, cases] of Object.entries(urls)) {
      for (const [name, signed] of Object.entries(cases)) {
        const url = urlOf(signed);
        const params = [...url.searchParams.keys()].map((k) => k.toLowerCase());
        const signedHeaders = url.searchParams.get("X-Amz-SignedHeaders")?.split(";") ?? [];
        const where = `${target} ${name}: ${url}`;
        assert.ok(!params.some((p) => p.startsWith("x-amz-checksum") || p === "x-amz-sdk-checksum-algorithm"), where);
        const checksumHeaders = signedHeaders.filter(
          (h) => h.startsWith("x-amz-checksum") || h.includes("sdk-checksum"),
        );
        const withSha256 = name === "putWithSha256" || name === "uploadPartWithSha256";
        assert.deepEqual(checksumHeaders, withSha256 ? ["x-amz-checksum-sha256"] : [], where);
        assert.equal(url.searchParams.get("X-Amz-Date"), "20261127T123456Z", where);
      }
    }
    const part = urlOf(urls["aws"]!["uploadPart"]!);
    assert.equal(part.searchParams.get("partNumber"), "2");
    assert.ok(part.searchParams.get("X-Amz-SignedHeaders")?.split(";").includes("content-length"), String(part));
    assert.equal(urlOf(urls["aws"]!["getWithDisposition"]!).host, "fileshare-prod-files.s3.eu-west-1.amazonaws.com");
    assert.match(
      urlOf(urls["aws"]!["getWithDisposition"]!).searchParams.get("response-content-disposition") ?? "",
      /filename\*=UTF-8''na%C3%AFve/,
    );
  });

  it("carries exactly the value names the handlers import from each SDK package", async () => {
    const imports = sdkImports();
    assert.ok(imports.get("@aws-sdk/client-s3")?.includes("S3Client"), "client-s3 is found in handlers/");
    assert.ok(!imports.get("@aws-sdk/client-s3")?.includes("S3ClientConfig"), "an interface needs no code");
    // The audit sink (handlers/auditEventBridge.ts): the client and the one command it sends.
    assert.deepEqual(imports.get("@aws-sdk/client-eventbridge"), ["EventBridgeClient", "PutEventsCommand"]);
    const script = `const [modules, pkgs] = JSON.parse(process.argv[1]);
      const out = {};
      for (const pkg of pkgs) out[pkg] = Object.keys(require(require.resolve(pkg, { paths: [modules] }))).sort();
      process.stdout.write(JSON.stringify(out));`;
    const carried = JSON.parse(await node(["-e", script, JSON.stringify([modules, [...imports.keys()]])], {}, root));
    assert.deepEqual(carried, Object.fromEntries(imports));
  });

  it("is one self-contained minified CommonJS file: it requires Node built-ins only", async () => {
    const { externals } = await bundleSdk(sdkImports());
    const builtins = new Set(builtinModules);
    assert.ok(externals.length > 0, "esbuild reports what the bundle leaves to Node");
    for (const r of externals) assert.ok(r.startsWith("node:") || builtins.has(r), `the bundle requires ${r}`);
    const bundle = files[BUNDLE_PATH]!;
    assert.equal(bundle, (await bundleSdk(sdkImports())).code, "the layer holds that bundle");
    assert.match(bundle, /module\.exports=/, "CommonJS");
    const lines = bundle.split("\n").length; // only template literals keep their line breaks
    assert.ok(bundle.length / lines > 2000, `minified: ${lines} lines for ${bundle.length} bytes`);
    assert.ok(bundle.length < 600_000, `${bundle.length} bytes: tree-shaken`);
  });

  it("stamps each package with the version package-lock.json locks, so the bundle is built from it", async () => {
    const lock = JSON.parse(await readFile(join(__dirname, "..", "..", "package-lock.json"), "utf8"));
    for (const pkg of sdkImports().keys()) {
      const stamped = JSON.parse(files[`nodejs/node_modules/${pkg}/package.json`]!);
      assert.equal(stamped.version, lock.packages[`node_modules/${pkg}`].version, pkg);
    }
  });

  it("leaves out the credential providers Lambda never uses, and says so instead of falling back silently", async () => {
    const script = `const { S3Client, HeadObjectCommand } = require("@aws-sdk/client-s3");
      new S3Client({ region: "eu-west-1", maxAttempts: 1 }).send(new HeadObjectCommand({ Bucket: "b", Key: "k" }))
        .then(() => process.stdout.write("sent"), (e) => process.stdout.write(e.message));`;
    const out = await node(["-e", script], { NODE_PATH: modules, HOME: root }, root);
    assert.match(out, /credential-provider-ini is left out of the SDK layer: .*AWS_ACCESS_KEY_ID/);
    assert.ok(!files[BUNDLE_PATH]!.includes("sso-oidc"), "no SSO OIDC client in the bundle");
  });
});

describe("Finding the SDK names the handlers import (infra/sdkBundle.ts)", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fileshare-imports-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("reads named imports and re-exports, renamed ones by their SDK name, and skips type-only ones", async () => {
    await writeFile(
      join(dir, "a.ts"),
      `import { S3Client, type S3ClientConfig, PutObjectCommand as Put } from "@aws-sdk/client-s3";
       import type { GetObjectCommandOutput } from "@aws-sdk/client-s3";
       import { join } from "node:path";
       export { GetCommand } from "@aws-sdk/lib-dynamodb";
       export type { PutCommandInput } from "@aws-sdk/lib-dynamodb";`,
    );
    const found = importedSdkNames(dir);
    assert.deepEqual(Object.fromEntries([...found].map(([k, v]) => [k, [...v].sort()])), {
      "@aws-sdk/client-s3": ["PutObjectCommand", "S3Client"],
      "@aws-sdk/lib-dynamodb": ["GetCommand"],
    });
  });

  it("follows the local modules the handlers import (outside handlers/ too), skipping type-only ones", async () => {
    await mkdir(join(dir, "handlers"));
    await mkdir(join(dir, "common"));
    await writeFile(
      join(dir, "handlers", "a.ts"),
      `import { x } from "../common/clients";\nimport type { T } from "../common/types";`,
    );
    await writeFile(join(dir, "common", "clients.ts"), `export { S3Client as x } from "@aws-sdk/client-s3";`);
    await writeFile(join(dir, "common", "types.ts"), `import { GetCommand } from "@aws-sdk/lib-dynamodb";`);
    const found = importedSdkNames(join(dir, "handlers"));
    assert.deepEqual([...found.keys()], ["@aws-sdk/client-s3"]);
    assert.deepEqual([...found.get("@aws-sdk/client-s3")!], ["S3Client"]);
  });

  it("refuses a namespace import, whose names it could not list", async () => {
    await writeFile(join(dir, "b.ts"), `import * as s3 from "@aws-sdk/client-s3";\nexport const x = s3;`);
    assert.throws(() => importedSdkNames(dir), /b\.ts: import from "@aws-sdk\/client-s3": import SDK names by name/);
  });
});
