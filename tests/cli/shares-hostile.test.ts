// The `fileshare` CLI (a child process) and shares of several files from a server it cannot trust: a small HTTP
// server in the test answers as an attacker's API would (names that lead out of the folder asked for), or as a
// v1.2 stack whose limits a share breaks; nothing may be written outside the folder, no download may be used,
// and no upload may be created.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostileServer, json } from "./hostileServer";
import { startCli } from "./process";

const expires = () => new Date(Date.now() + 3600_000).toISOString();

/** GET /files/{id} of an available share of several files named `names`, 6 bytes each. */
const shareOf = (id: string, names: string[]) => ({
  id,
  status: "available",
  expiresAt: expires(),
  downloads: 0,
  maxDownloads: null,
  downloadsRemaining: null,
  fileCount: names.length,
  totalSize: 6 * names.length,
  files: names.map((fileName, i) => ({
    file: i + 1,
    fileName,
    contentType: "text/plain",
    size: 6,
    status: "available",
  })),
});

describe("fileshare CLI and shares of several files from a hostile server (child process)", function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), "fileshare-cli-shares-hostile-"))));
  after(() => rm(dir, { recursive: true, force: true }));

  describe("names that lead out of the folder", () => {
    let evil: Awaited<ReturnType<typeof hostileServer>>;
    const shares = new Map<string, string[]>();
    before(async () => {
      evil = await hostileServer((req, res, base) => {
        const id = /^\/files\/([A-Za-z0-9_-]{22})/.exec(req.url)?.[1] ?? "";
        const names = shares.get(id);
        if (req.method === "GET" && names && req.url === `/files/${id}`) return json(res, shareOf(id, names));
        if (req.method === "POST" && names && req.url === `/files/${id}/download`) {
          const asked = (JSON.parse(req.body || "{}") as { files?: number[] }).files ?? names.map((_, i) => i + 1);
          return json(res, {
            downloads: asked.map((file) => ({
              file,
              fileName: names[file - 1],
              size: 6,
              downloadUrl: `${base}blob`,
              expiresIn: 60,
            })),
            downloadsRemaining: null,
          });
        }
        if (req.url === "/blob") return void res.end("hello\n");
        json(res, { error: { code: "NotFound", message: "no" } }, 404);
      });
    });
    after(() => evil?.close());

    const hostile: [string, string[]][] = [
      ["a way up", ["ok.txt", "../escaped.txt"]],
      ["a way up inside a folder", ["docs/../../escaped.txt"]],
      ["an absolute path", ["ok.txt", "/tmp/escaped.txt"]],
      ["backslashes", ["ok.txt", "..\\escaped.txt"]],
      ["a name that is a folder of another", ["ok.txt", "ok.txt/inner.txt"]],
      ["one name twice in another case", ["Ok.txt", "ok.TXT"]],
    ];
    hostile.forEach(([what, names], n) => {
      it(`refuses a share with ${what} before using a download: exit 5, one line, nothing written inside or outside the folder`, async () => {
        const id = `H${String(n).padStart(21, "0")}`;
        shares.set(id, names);
        const parent = join(dir, `case-${n}`);
        const out = join(parent, "out");
        await mkdir(out, { recursive: true });
        const from = evil.received.length;
        const r = await startCli(["download", `${evil.base}files/${id}`, "-o", out], {
          FILESHARE_CONFIG_DIR: join(dir, "config"),
        }).done;
        assert.equal(r.code, 5, r.stderr);
        assert.match(
          r.stderr,
          /^fileshare: The share names a file ".*", which cannot be saved here: .* Nothing was downloaded\.\n$/,
        );
        assert.deepEqual(await readdir(out), [], "nothing in the folder");
        assert.deepEqual(await readdir(parent), ["out"], "nothing beside it");
        assert.deepEqual(
          evil.received.slice(from).map((q) => `${q.method} ${q.url}`),
          [`GET /files/${id}`],
          "no download asked for",
        );
      });
    });

    it("never writes through a link already in the folder: a share of photos/a.txt with out/photos linking outside is refused, nothing written outside", async () => {
      const id = "L".repeat(22);
      shares.set(id, ["photos/a.txt", "b.txt"]);
      const out = join(dir, "linked", "out");
      const outside = join(dir, "linked", "outside");
      await mkdir(out, { recursive: true });
      await mkdir(outside);
      await symlink(outside, join(out, "photos"));
      const r = await startCli(["download", `${evil.base}files/${id}`, "-o", out], {
        FILESHARE_CONFIG_DIR: join(dir, "config"),
      }).done;
      assert.equal(r.code, 6, r.stderr);
      assert.match(
        r.stderr,
        /photos is a symbolic link; fileshare never writes through one: move it away\. Nothing was downloaded\.\n$/,
      );
      assert.deepEqual(await readdir(outside), [], "nothing written through the link");
      assert.deepEqual(await readdir(out), ["photos"], "nothing else written");
    });

    it("saves a well-formed share into the folder, folders recreated (the fake server's answers are the contract's)", async () => {
      const id = "G".repeat(22);
      shares.set(id, ["docs/a.txt", "docs/sub/b.txt", "c.txt"]);
      const out = join(dir, "good");
      const r = await startCli(["download", `${evil.base}files/${id}`, "-o", out], {
        FILESHARE_CONFIG_DIR: join(dir, "config"),
      }).done;
      assert.equal(r.code, 0, r.stderr);
      for (const name of ["docs/a.txt", "docs/sub/b.txt", "c.txt"]) {
        assert.equal(await readFile(join(out, name), "utf8"), "hello\n", name);
      }
      assert.deepEqual((await readdir(out)).sort(), ["c.txt", "docs"], "no partial file left");
    });
  });

  describe("limits of a v1.2 stack, checked before anything is sent", () => {
    let stack: Awaited<ReturnType<typeof hostileServer>>;
    let files: string;
    before(async () => {
      stack = await hostileServer((req, res) => {
        if (req.method === "GET" && req.url === "/config") {
          return json(res, {
            apiVersion: "1.2",
            limits: { maxFileSizeBytes: 1000, maxFilesPerShare: 3, maxShareSizeBytes: 1500, maxShareTtlSeconds: 86400 },
            auth: null,
            apiKeys: false,
          });
        }
        json(res, { error: { code: "Forbidden", message: "nothing but GET /config is expected" } }, 403);
      });
      files = join(dir, "to-send");
      await mkdir(join(files, "folder"), { recursive: true });
      for (const name of ["a.txt", "b.txt", "c.txt", "d.txt"])
        await writeFile(join(files, "folder", name), "x".repeat(600));
      await mkdir(join(files, "other"));
      await writeFile(join(files, "other", "A.TXT"), "y");
      await writeFile(join(files, "big.bin"), "z".repeat(1001));
    });
    after(() => stack?.close());

    const cases: [string, string[], RegExp][] = [
      [
        "too many files",
        ["folder"],
        /^fileshare: More than 3 files: .*its fileshare:maxFilesPerShare setting\).*Nothing was sent\.\n$/,
      ],
      [
        "a file too large",
        ["big.bin", "other"],
        /big\.bin is 1\.00 kB: .*its fileshare:maxFileSizeBytes setting\)\. Nothing was sent\.\n$/,
      ],
      [
        "a share too large",
        ["folder/a.txt", "folder/b.txt", "folder/c.txt"],
        /^fileshare: The 3 files come to 1\.80 kB: .*its fileshare:maxShareSizeBytes setting\)\. Nothing was sent\.\n$/,
      ],
      [
        "a name repeated in another case",
        ["folder/a.txt", "other/A.TXT"],
        /other\/A\.TXT and .*folder\/a\.txt would both be "A\.TXT" in the share/,
      ],
    ];
    for (const [what, args, message] of cases) {
      it(`refuses ${what} in one line, naming the file or the setting, after asking only GET /config`, async () => {
        const from = stack.received.length;
        const r = await startCli(["upload", ...args.map((a) => join(files, a)), "--api", stack.base], {
          FILESHARE_CONFIG_DIR: join(dir, "config-limits"),
        }).done;
        assert.ok(r.code === 2 || r.code === 3, `exit ${r.code}: ${r.stderr}`);
        assert.match(r.stderr, message);
        assert.equal(r.stdout, "");
        assert.deepEqual(
          stack.received.slice(from).map((q) => `${q.method} ${q.url}`),
          ["GET /config"],
        );
      });
    }
  });
});
