// The CLI as a package (cli/package.json): `npm pack` in cli/ gives a tarball that installs with `npm install -g
// --prefix` into a folder outside the clone and runs there with nothing of the clone: --version, then an upload
// and a download of a file against the local gateway, S3 and dynalite. npm installs the package's dependencies
// from its cache (warm here) or the registry.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Backends, startBackends } from "../../local/backends";
import { createGateway, Gateway } from "../../local/gateway";
import { testConfig } from "../support/harness";

const CLI_DIR = join(__dirname, "..", "..", "cli");

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (never throws for an exit code: the caller asserts it). */
function run(file: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: { ...process.env, ...options.env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("fileshare CLI package: npm pack, install without a clone, run", function () {
  this.timeout(600_000);
  let dir: string;
  let tarball: string;
  let packed: { path: string }[];
  let bin: string;
  let backends: Backends;
  let gateway: Gateway;
  let api: string;
  const { version } = JSON.parse(readFileSync(join(CLI_DIR, "package.json"), "utf8")) as { version: string };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "fileshare-package-"));
    const pack = await run("npm", ["pack", "--json", "--pack-destination", dir], { cwd: CLI_DIR });
    assert.equal(pack.code, 0, pack.stderr);
    // npm prints the prepack build's output before the JSON.
    const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("["))) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = join(dir, info!.filename);
    packed = info!.files;
    const prefix = join(dir, "prefix");
    // From the temporary folder, so that npm sees no workspace, and with the clone out of Node's reach.
    const install = await run(
      "npm",
      ["install", "-g", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", tarball],
      { cwd: dir },
    );
    assert.equal(install.code, 0, install.stderr);
    bin = join(prefix, "bin", "fileshare");

    const config = testConfig({ maxFileSizeBytes: 64 * 1024 * 1024 });
    backends = await startBackends({ config });
    gateway = createGateway({ deps: () => backends.deps });
    api = `http://127.0.0.1:${await gateway.listen(0)}/`;
  });
  after(async () => {
    await gateway?.close();
    await backends?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("packs the launcher, the one built file and package.json: no TypeScript, no sources", () => {
    assert.deepEqual(packed.map((f) => f.path).sort(), ["dist/main.js", "fileshare.js", "package.json"]);
  });

  it("installs with its own dependencies only (commander, cli-progress), none of the stack's", async () => {
    const installed = join(dir, "prefix", "lib", "node_modules", "fileshare-cli", "node_modules");
    const names = await readdir(installed);
    assert.ok(names.includes("commander") && names.includes("cli-progress"), names.join(", "));
    assert.ok(!names.some((n) => /^@aws-sdk|^@pulumi|^ts-node|^typescript|^esbuild/.test(n)), names.join(", "));
  });

  it("`fileshare --version` prints the package's version", async () => {
    const ran = await run(bin, ["--version"], { cwd: dir });
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stdout, `${version}\n`);
  });

  it("the installed command uploads a file and downloads it back, byte for byte", async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const source = join(dir, "report.bin");
    await writeFile(source, bytes);
    const env = { FILESHARE_CONFIG_DIR: join(dir, "config"), FILESHARE_API: "", FILESHARE_RETRY_BASE_MS: "20" };
    const up = await run(bin, ["upload", source, "--api", api], { cwd: dir, env });
    assert.equal(up.code, 0, up.stderr);
    const link = /^link: (\S+)$/m.exec(up.stdout)?.[1];
    assert.ok(link, up.stdout);
    const out = join(dir, "back.bin");
    const down = await run(bin, ["download", link, "-o", out], { cwd: dir, env });
    assert.equal(down.code, 0, down.stderr);
    assert.ok((await readFile(out)).equals(bytes), "the downloaded bytes are the uploaded ones");
  });
});
