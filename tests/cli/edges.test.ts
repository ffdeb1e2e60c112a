// The `fileshare` CLI where downloads go wrong on the user's side, as a child process: an output path that cannot
// be written must not cost a download, and Ctrl-C must not leave half a file behind.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, Server } from "node:http";
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Backends } from "../../local/backends";
import { stateKey } from "../../cli/state";
import { waitFor } from "../support/wait";
import { startCli, useLocalApi } from "./process";

describe("fileshare CLI downloads that fail on the user's side (child process)", function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), "fileshare-cli-edges-"))));
  after(() => rm(dir, { recursive: true, force: true }));

  describe("against the local servers", () => {
    const local = useLocalApi();
    let backends: Backends;
    let api: string;
    before(() => {
      ({ backends, api } = local);
    });

    it("a download to a folder that does not exist fails with exit 2 before it uses one of the share's downloads", async () => {
      const env = { FILESHARE_CONFIG_DIR: join(dir, "config"), FILESHARE_API: api };
      const path = join(dir, "once.bin");
      await writeFile(path, randomBytes(1000));
      const up = await startCli(["upload", path, "--max-downloads", "1"], env).done;
      assert.equal(up.code, 0, up.stderr);
      const link = /^link: (\S+)$/m.exec(up.stdout)?.[1] as string;
      await backends.idle();

      const bad = await startCli(["download", link, "-o", join(dir, "no", "such", "folder", "x.bin")], env).done;
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, /^fileshare: .*no[/\\]such[/\\]folder.*\n$/);
      assert.equal(bad.stderr.split("\n").length, 2, "one line");

      const info = await startCli(["info", link, "--json"], env).done;
      assert.equal(JSON.parse(info.stdout).downloadsRemaining, 1, "the failed attempt used no download");
      const good = await startCli(["download", link, "-o", join(dir, "once-copy.bin")], env).done;
      assert.equal(good.code, 0, good.stderr);
    });

    it("an upload whose saved state is damaged (valid JSON, fields missing) starts afresh instead of failing every run", async () => {
      const config = join(dir, "config-damaged");
      const path = join(dir, "damaged-state.bin");
      await writeFile(path, randomBytes(2000));
      const info = await stat(path);
      await mkdir(join(config, "uploads"), { recursive: true });
      const saved = { apiUrl: api, expiresAt: new Date(Date.now() + 3600_000).toISOString() };
      await writeFile(
        join(config, "uploads", `${stateKey(path, info.size, info.mtimeMs)}.json`),
        JSON.stringify(saved),
      );
      const up = await startCli(["upload", path], { FILESHARE_CONFIG_DIR: config, FILESHARE_API: api }).done;
      assert.equal(up.code, 0, up.stderr);
      assert.match(up.stdout, /^link: /m);
    });
    it("a malformed FILESHARE_PARALLEL is a usage error (exit 2, one line) before anything is created", async () => {
      const config = join(dir, "config-parallel");
      const path = join(dir, "parallel.bin");
      await writeFile(path, randomBytes(2000));
      const up = await startCli(["upload", path], {
        FILESHARE_CONFIG_DIR: config,
        FILESHARE_API: api,
        FILESHARE_PARALLEL: "four",
      }).done;
      assert.equal(up.code, 2, up.stderr);
      assert.match(up.stderr, /^fileshare: FILESHARE_PARALLEL="four": [^\n]*\n$/);
      assert.deepEqual(await readdir(config).catch(() => []), [], "no share created, no state kept");
    });
  });

  describe("against a storage that stalls mid-download", () => {
    let server: Server;
    let api: string;
    const id = "A".repeat(22);
    const size = 8 * 1024 * 1024;
    before(async () => {
      // Stands in for the API and S3: the body stops after 64 KiB, like a connection on hotel Wi-Fi.
      server = createServer((req, res) => {
        const json = (body: unknown) => res.setHeader("content-type", "application/json").end(JSON.stringify(body));
        if (req.method === "GET" && req.url === `/files/${id}`) {
          return json({
            id,
            fileName: "stalled.bin",
            contentType: "application/octet-stream",
            size,
            status: "available",
          });
        }
        if (req.method === "POST" && req.url === `/files/${id}/download`) {
          return json({ downloadUrl: `${api}blob`, size, expiresIn: 60 });
        }
        if (req.url === "/blob") {
          res.writeHead(200, { "content-length": String(size) });
          return void res.write(randomBytes(64 * 1024));
        }
        res.writeHead(404).end();
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    it("Ctrl-C during a download exits 130 with one line and leaves no partial file", async () => {
      const out = join(dir, "stalled");
      await rm(out, { recursive: true, force: true });
      await mkdir(out);
      const run = startCli(["download", id, "--api", api, "-o", out], { FILESHARE_CONFIG_DIR: join(dir, "config2") });
      await waitFor(
        async () => ((await stat(join(out, "stalled.bin.fileshare-partial")).catch(() => undefined))?.size ?? 0) > 0,
        { timeoutMs: 30_000, what: "the partial file to receive bytes" },
      );
      run.child.kill("SIGINT");
      const result = await run.done;
      assert.equal(result.code, 130, result.stderr);
      assert.match(result.stderr, /^fileshare: interrupted[^\n]*\n$/);
      assert.deepEqual(await readdir(out), [], "no partial file and no output file");
    });
  });
});
