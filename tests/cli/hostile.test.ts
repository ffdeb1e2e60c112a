// The `fileshare` CLI (a child process) following links to a hostile server: a small HTTP server in the test that
// records what it is sent and answers what an attacker would (a path for a file name, endless bytes for a 6-byte
// share), next to the real local API the user configured.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "../support/wait";
import { hostileServer, json } from "./hostileServer";
import { startCli, useLocalApi } from "./process";

const MIB = 1024 * 1024;

/** The metadata GET /files/{id} answers for an available share. */
const share = (id: string, fileName: string, size: number, extra: object = {}) => ({
  id,
  fileName,
  contentType: "application/octet-stream",
  size,
  status: "available",
  expiresAt: new Date(Date.now() + 3600_000).toISOString(),
  downloadsRemaining: null,
  ...extra,
});

describe("fileshare CLI against a hostile server (child process)", function () {
  this.timeout(180_000);
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), "fileshare-cli-hostile-"))));
  after(() => rm(dir, { recursive: true, force: true }));

  describe("credentials go only to the configured API", () => {
    const local = useLocalApi();
    let api: string;
    let evil: Awaited<ReturnType<typeof hostileServer>>;
    const PUBLIC_ID = "P".repeat(22);
    before(async () => {
      api = local.api;
      // Answers like a fileshare API for any id: a public 6-byte share for PUBLIC_ID, a password share otherwise.
      evil = await hostileServer((req, res, base) => {
        const id = /^\/files\/([A-Za-z0-9_-]{22})/.exec(req.url)?.[1] ?? "";
        if (req.method === "GET" && req.url === `/files/${id}`) {
          return json(res, share(id, "notes.txt", 6, id === PUBLIC_ID ? {} : { passwordRequired: true }));
        }
        if (req.method === "POST" && req.url === `/files/${id}/unlock`) return json(res, share(id, "notes.txt", 6));
        if (req.method === "POST" && req.url === `/files/${id}/download`) {
          return json(res, { downloadUrl: `${base}blob`, size: 6, expiresIn: 60 });
        }
        if (req.url === "/blob") return void res.end("hello\n");
        if (req.method === "DELETE") return void res.writeHead(204).end();
        json(res, { error: { code: "NotFound", message: "no" } }, 404);
      });
    });
    after(() => evil?.close());

    /** A real share on the configured API (a stack without sign-in), its delete token saved in `config`; an
     *  attacker knows its id from the link. */
    async function realShare(config: string) {
      const path = join(dir, `mine-${randomBytes(4).toString("hex")}.txt`);
      await writeFile(path, randomBytes(100));
      const up = await startCli(["upload", path, "--api", api], { FILESHARE_CONFIG_DIR: config }).done;
      assert.equal(up.code, 0, up.stderr);
      const link = /^link: (\S+)$/m.exec(up.stdout)?.[1] as string;
      return { link, id: link.split("/").pop() as string, deleteToken: /^delete token: (\S+)$/m.exec(up.stdout)?.[1] };
    }

    /** Asserts that the hostile server saw none of `secrets`, in any header or body, since `from`. */
    function assertNeverSent(secrets: (string | undefined)[], from: number) {
      const seen = evil.received.slice(from);
      assert.ok(seen.length > 0, "the links were followed");
      const text = JSON.stringify(seen);
      for (const secret of secrets) assert.ok(secret && !text.includes(secret), `the hostile server saw ${secret}`);
      assert.ok(seen.every((r) => r.headers.authorization === undefined && r.headers["x-delete-token"] === undefined));
    }

    it("with no API configured, download, info and delete of a link send it no sign-in, password or delete token that was not issued there, and say so in one line", async () => {
      const config = join(dir, "config-unconfigured");
      const mine = await realShare(config);
      const from = evil.received.length;
      const TOKEN = `eyJ.${randomBytes(12).toString("hex")}.env`;
      const FLAG_TOKEN = `eyJ.${randomBytes(12).toString("hex")}.flag`;
      const PASSWORD = `pw-${randomBytes(12).toString("hex")}`;
      const GIVEN = randomBytes(32).toString("base64url");
      const ENV_GIVEN = randomBytes(32).toString("base64url");
      const env = { FILESHARE_CONFIG_DIR: config, FILESHARE_TOKEN: TOKEN };
      const evilLink = `${evil.base}files/${mine.id}`;
      const out = join(dir, "from-evil-unconfigured");
      await mkdir(out);

      const runs = {
        // A password share there: FILESHARE_PASSWORD is not sent, and with no terminal to ask, nothing is.
        download: await startCli(["download", evilLink, "-o", out], { ...env, FILESHARE_PASSWORD: PASSWORD }).done,
        info: await startCli(["--auth-token", FLAG_TOKEN, "info", `${evil.base}files/${PUBLIC_ID}`], env).done,
        // The delete token saved for this id came from the real API: it is not sent to the look-alike link.
        deleteSaved: await startCli(["delete", evilLink], env).done,
        deleteGiven: await startCli(["delete", evilLink, "--token", GIVEN], env).done,
        deleteEnv: await startCli(["delete", evilLink], { ...env, FILESHARE_DELETE_TOKEN: ENV_GIVEN }).done,
      };
      assertNeverSent([TOKEN, FLAG_TOKEN, PASSWORD, GIVEN, ENV_GIVEN, mine.deleteToken], from);
      assert.ok(!evil.received.slice(from).some((r) => r.method === "DELETE"), "no DELETE reached it");

      const notice = (held: string) =>
        `fileshare: ${evil.base.slice(0, -1)} is not the configured API (no API is configured): not sending ${held} there; pass --api ${evil.base} if you trust it.`;
      assert.equal(runs.download.code, 2, runs.download.stderr);
      const [said, failed, ...rest] = runs.download.stderr.split("\n");
      assert.equal(said, notice("FILESHARE_TOKEN or FILESHARE_PASSWORD"));
      assert.match(failed as string, /^fileshare: This link on .* needs a password and there is no terminal/);
      assert.deepEqual(rest, [""]);
      assert.equal(runs.info.code, 0, runs.info.stderr);
      assert.equal(runs.info.stderr, `${notice("--auth-token")}\n`);
      assert.equal(runs.deleteSaved.code, 2);
      assert.equal(runs.deleteSaved.stderr, `${notice("the delete token saved for this share or FILESHARE_TOKEN")}\n`);
      assert.equal(runs.deleteGiven.code, 2);
      assert.match(
        runs.deleteGiven.stderr,
        /^fileshare: .* not sending --token, the delete token saved for this share or FILESHARE_TOKEN there; [^\n]*\n$/,
      );
      assert.equal(runs.deleteEnv.code, 2);
      assert.match(runs.deleteEnv.stderr, /^fileshare: .* not sending FILESHARE_DELETE_TOKEN, [^\n]*\n$/);

      // The link's own API gets the token it issued: nothing configured, and the real share is deleted.
      const real = await startCli(["delete", mine.link], { FILESHARE_CONFIG_DIR: config }).done;
      assert.equal(real.code, 0, real.stderr);
      assert.equal(real.stderr, "");
    });

    it("with FILESHARE_API set, a link on another origin is followed there without the sign-in, and the CLI says so in one line", async () => {
      const from = evil.received.length;
      const TOKEN = `eyJ.${randomBytes(12).toString("hex")}.env`;
      const out = join(dir, "from-evil-configured");
      await mkdir(out);
      const env = { FILESHARE_CONFIG_DIR: join(dir, "config-configured"), FILESHARE_API: api, FILESHARE_TOKEN: TOKEN };
      const r = await startCli(["download", `${evil.base}files/${PUBLIC_ID}`, "-o", out], env).done;
      assertNeverSent([TOKEN], from);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stderr,
        `fileshare: ${evil.base.slice(0, -1)} is not the configured API (the configured API is ${api.slice(0, -1)}): not sending FILESHARE_TOKEN there; pass --api ${evil.base} if you trust it.\n`,
      );
      assert.equal(await readFile(join(out, "notes.txt"), "utf8"), "hello\n", "a public share there downloads");
    });
  });

  describe("file names chosen by the server", () => {
    let evil: Awaited<ReturnType<typeof hostileServer>>;
    const names = new Map<string, string>();
    before(async () => {
      evil = await hostileServer((req, res, base) => {
        const id = /^\/files\/([A-Za-z0-9_-]{22})/.exec(req.url)?.[1] ?? "";
        if (req.method === "GET" && names.has(id)) return json(res, share(id, names.get(id) as string, 6));
        if (req.method === "POST" && req.url === `/files/${id}/download`) {
          return json(res, { downloadUrl: `${base}blob`, size: 6, expiresIn: 60 });
        }
        if (req.url === "/blob") return void res.end("hello\n");
        json(res, { error: { code: "NotFound", message: "no" } }, 404);
      });
    });
    after(() => evil?.close());

    const cases: [string, string][] = [
      ["../../.bashrc", "bashrc"],
      ["..", "fileshare-{id}"],
      [".", "fileshare-{id}"],
      ["..\\..\\evil.exe", "evil.exe"],
      ["CON", "_CON"],
      ["nul.txt", "_nul.txt"],
      ["lpt1", "_lpt1"],
      ["a\u001b]0;owned\u0007b.txt", "a_]0;owned_b.txt"],
      ["report\u202Efdp.exe", "report_fdp.exe"],
      ["what?.txt ...", "what_.txt"],
      [`${"x".repeat(300)}.txt`, `${"x".repeat(233)}.txt`],
    ];
    cases.forEach(([name, expected], n) => {
      it(`saves ${JSON.stringify(name).slice(0, 40)} as ${JSON.stringify(expected).slice(0, 40)} in the folder asked for, and says so`, async () => {
        const id = `N${String(n).padStart(21, "0")}`;
        names.set(id, name);
        const parent = join(dir, `names-${n}`);
        const out = join(parent, "out");
        await mkdir(out, { recursive: true });
        const r = await startCli(["download", `${evil.base}files/${id}`, "-o", out], {
          FILESHARE_CONFIG_DIR: join(dir, "config-names"),
        }).done;
        const saved = expected.replace("{id}", id);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(await readdir(out), [saved], "exactly the safe name, inside the folder");
        assert.deepEqual(await readdir(parent), ["out"], "nothing beside the folder");
        assert.equal(r.stdout, `${join(out, saved)}: 6 bytes (no SHA-256 to verify)\n`);
        const said = r.stderr.split("\n");
        assert.equal(said.length, 2, `one line: ${r.stderr}`);
        assert.ok(said[0]?.startsWith(`fileshare: saving as "${saved}": the share's name "`), r.stderr);
        assert.doesNotMatch(r.stderr, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/, "no raw control character");
      });
    });

    it("without -o saves into the working folder, never above it; a safe name passes unchanged and silently", async () => {
      const id = "W".repeat(22);
      names.set(id, "../../.bashrc");
      const cwd = join(dir, "cwd", "deep", "work");
      await mkdir(cwd, { recursive: true });
      const env = { FILESHARE_CONFIG_DIR: join(dir, "config-names") };
      const r = await startCli(["download", `${evil.base}files/${id}`], env, { cwd }).done;
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await readdir(cwd), ["bashrc"]);
      assert.deepEqual(await readdir(join(dir, "cwd")), ["deep"]);
      assert.deepEqual(await readdir(join(dir, "cwd", "deep")), ["work"]);

      const plain = "Q".repeat(22);
      names.set(plain, "Quarterly report (final) é.pdf");
      const ok = await startCli(["download", `${evil.base}files/${plain}`], env, { cwd }).done;
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stderr, "");
      assert.deepEqual((await readdir(cwd)).sort(), ["Quarterly report (final) é.pdf", "bashrc"]);
    });
  });

  describe("a share that streams more than it declared", () => {
    let evil: Awaited<ReturnType<typeof hostileServer>>;
    const id = "B".repeat(22);
    let sent = 0;
    before(async () => {
      evil = await hostileServer((req, res, base) => {
        if (req.method === "GET" && req.url === `/files/${id}`) return json(res, share(id, "six.bin", 6));
        if (req.method === "POST" && req.url === `/files/${id}/download`) {
          return json(res, { downloadUrl: `${base}blob`, size: 6, expiresIn: 60 });
        }
        if (req.url !== "/blob") return json(res, { error: { code: "NotFound", message: "no" } }, 404);
        // 200 MiB without a Content-Length, as fast as the client takes it, until it hangs up.
        res.writeHead(200, { "content-type": "application/octet-stream" });
        const chunk = randomBytes(MIB);
        let left = 200;
        const pump = () => {
          while (left > 0 && !res.destroyed) {
            left--;
            if (!res.write(chunk)) return void res.once("drain", pump);
          }
          res.end();
        };
        res.socket?.on("close", function (this: { bytesWritten: number }) {
          sent = this.bytesWritten;
        });
        pump();
      });
    });
    after(() => evil?.close());

    it("stops at the first byte too many of a 6-byte share sending 200 MiB: exit 5, one line, no more than 64 KiB ever on disk, nothing left", async () => {
      const out = join(dir, "oversize");
      await mkdir(out);
      // No file the CLI writes may grow past 128 blocks of 512 bytes: a write beyond fails (EFBIG).
      const r = await startCli(
        ["download", `${evil.base}files/${id}`, "-o", out],
        { FILESHARE_CONFIG_DIR: join(dir, "config-oversize") },
        { fileSizeLimitBlocks: 128 },
      ).done;
      assert.equal(r.code, 5, r.stderr);
      assert.equal(
        r.stderr,
        "fileshare: The storage sent more than the share's 6 bytes; the download was stopped and the partial file deleted.\n",
      );
      assert.deepEqual(await readdir(out), [], "no partial file and no output file");
      await waitFor(() => sent > 0, { what: "the server's connection to close" });
      assert.ok(sent > 0 && sent < 32 * MIB, `the CLI hung up early: the server got ${sent} bytes out of 200 MiB`);
    });
  });

  describe("redirects from the configured API", () => {
    let evil: Awaited<ReturnType<typeof hostileServer>>;
    let redirector: Awaited<ReturnType<typeof hostileServer>>;
    before(async () => {
      evil = await hostileServer((_req, res) => json(res, { error: { code: "NotFound", message: "no" } }, 404));
      // The API the user configured answers every call with a redirect to another origin.
      redirector = await hostileServer(
        (req, res) => void res.writeHead(307, { location: `${evil.base}${req.url.slice(1)}` }).end(),
      );
    });
    after(async () => {
      await evil?.close();
      await redirector?.close();
    });

    it("are not followed: the delete token, the password and the sign-in never reach the redirect's target, and one line says why", async () => {
      const id = "R".repeat(22);
      const TOKEN = `eyJ.${randomBytes(12).toString("hex")}.env`;
      const DELETE_TOKEN = randomBytes(32).toString("base64url");
      const PASSWORD = `pw-${randomBytes(12).toString("hex")}`;
      const env = {
        FILESHARE_CONFIG_DIR: join(dir, "config-redirect"),
        FILESHARE_API: redirector.base,
        FILESHARE_TOKEN: TOKEN,
      };
      const out = join(dir, "from-redirect");
      await mkdir(out);
      const del = await startCli(["delete", `${redirector.base}files/${id}`, "--token", DELETE_TOKEN], env).done;
      const down = await startCli(["download", `${redirector.base}files/${id}`, "-o", out], {
        ...env,
        FILESHARE_PASSWORD: PASSWORD,
      }).done;
      assert.ok(redirector.received.length >= 2, "the configured API was asked");
      assert.deepEqual(evil.received, [], "nothing reached the redirect's target");
      for (const r of [del, down]) {
        assert.equal(r.code, 3, r.stderr);
        assert.equal(
          r.stderr,
          `fileshare: The API at ${redirector.base} answered 307, a redirect to ${evil.base.slice(0, -1)}; fileshare does not follow API redirects (your credentials would go along): pass the API's final URL with --api.\n`,
        );
      }
    });
  });
});
