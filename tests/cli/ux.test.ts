// What a person meets first in the `fileshare` command, as a child process against the local servers: --version,
// examples in every help, the argument parser's errors as one `fileshare:` line, --expires checked against the
// stack's limit, `info` and `list` for people (and --json for scripts), upload from standard input, and the
// upload saying what it does between 100% and the link.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Backends } from "../../local/backends";
import { describeShares } from "../../cli/shareText";
import { cliVersion } from "../../cli/version";
import { testConfig } from "../support/harness";
import { CLI, startCli, useLocalApi } from "./process";

const MIB = 1024 * 1024;
/** What the CLI left in a temporary folder (ts-node, running the sources, keeps a compile cache there too). */
const spooled = async (folder: string) => (await readdir(folder)).filter((f) => f.startsWith("fileshare-"));
const COMMANDS = ["upload", "download", "info", "delete", "list", "login", "logout"];

describe("fileshare CLI for people: version, help, errors, info, standard input (child processes)", function () {
  // Several runs of the CLI per test; a busy machine runs each through ts-node in seconds (the deadline is for hangs).
  this.timeout(600_000);
  const local = useLocalApi(
    testConfig({
      maxFileSizeBytes: 64 * MIB,
      multipartThresholdBytes: 8 * MIB,
      multipartPartSizeBytes: 5 * MIB,
      maxShareTtlSeconds: 86400,
    }),
  );
  let backends: Backends;
  let api: string;
  let dir: string;

  before(async () => {
    ({ backends, api } = local);
    dir = await mkdtemp(join(tmpdir(), "fileshare-cli-ux-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const run = (args: string[], env: Record<string, string> = {}, stdin?: Buffer) =>
    startCli(args, { FILESHARE_CONFIG_DIR: join(dir, "config"), FILESHARE_API: api, ...env }, { stdin }).done;
  const linkOf = (stdout: string) => /^link: (\S+)$/m.exec(stdout)?.[1] as string;

  it("--version and -V print the project's version from package.json", async () => {
    const { version } = JSON.parse(await readFile(join(__dirname, "..", "..", "package.json"), "utf8"));
    for (const flag of ["--version", "-V"]) {
      const r = await run([flag]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${version}\n`);
    }
  });

  it("the version comes from the CLI's own package.json when it has one, else the nearest one above", async () => {
    const root = join(dir, "versions");
    await mkdir(join(root, "cli", "dist"), { recursive: true });
    await writeFile(join(root, "package.json"), JSON.stringify({ name: "fileshare", version: "1.2.3" }));
    assert.equal(cliVersion(join(root, "cli", "dist")), "1.2.3");
    await writeFile(join(root, "cli", "package.json"), JSON.stringify({ name: "fileshare-cli", version: "4.5.6" }));
    assert.equal(cliVersion(join(root, "cli", "dist")), "4.5.6");
  });

  it("--help and every command's help end with examples of that command", async () => {
    const top = await run(["--help"]);
    assert.equal(top.code, 0, top.stderr);
    assert.match(top.stdout, /\nExamples:\n( {2}\$ .*fileshare (upload|download|list)\b.*\n)+$/);
    for (const command of COMMANDS) {
      const r = await run([command, "--help"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`\\nExamples:\\n(  \\$ .*fileshare ${command}\\b.*\\n)+`), command);
    }
    const upload = await run(["upload", "--help"]);
    assert.match(upload.stdout, /Standard input \(-\) is first copied to a private temporary file \(mode 0600/);
  });

  it("the argument parser's own errors are one line starting fileshare:, exit 2, nothing on stdout", async () => {
    const cases: [string[], RegExp][] = [
      [["upload", "x", "--bogus"], /^fileshare: unknown option '--bogus' \(see fileshare upload --help\)\n$/],
      [["upload"], /^fileshare: missing required argument 'files' \(see fileshare upload --help\)\n$/],
      [["upload", "x", "--expires", "3x"], /^fileshare: option '--expires <duration>' argument '3x' is invalid\. /],
      [["upload", "x", "--max-downloads", "0"], /^fileshare: option '--max-downloads <n>' argument '0' is invalid/],
      [["frobnicate"], /^fileshare: unknown command 'frobnicate' \(see fileshare --help\)\n$/],
      [["info", "a", "b"], /^fileshare: too many arguments for 'info'/],
      [["--nope"], /^fileshare: unknown option '--nope'/],
    ];
    for (const [args, expected] of cases) {
      const r = await run(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, expected);
      assert.match(r.stderr, /^fileshare: [^\n]+\n$/, `one line: ${JSON.stringify(r.stderr)}`);
      assert.equal(r.stdout, "");
    }
  });

  it("--expires beyond the stack's limit is refused in the CLI's terms, before anything is read or sent", async () => {
    const path = join(dir, "too-long.txt");
    await writeFile(path, "hello");
    const r = await run(["upload", path, "--expires", "3d"]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr,
      "fileshare: --expires 3d is too long: at most 1d on this stack (its fileshare:maxShareTtlSeconds setting).\n",
    );
    assert.equal(r.stdout, "");
    const ok = await run(["upload", path, "--expires", "24h"]);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it("info prints name, size in MB, expires in, downloads left, protection and the SHA-256 as sha256sum prints it; --json prints the API's shape", async () => {
    const bytes = randomBytes(3_000_000);
    const path = join(dir, "report.bin");
    await writeFile(path, bytes);
    const up = await run(["upload", path, "--expires", "2h", "--max-downloads", "3"]);
    assert.equal(up.code, 0, up.stderr);
    const link = linkOf(up.stdout);
    await backends.idle();

    const r = await run(["info", link]);
    assert.equal(r.code, 0, r.stderr);
    const { stdout: sum } = await promisify(execFile)("sha256sum", [path]);
    const hex = sum.split(" ")[0] as string;
    assert.match(hex, /^[0-9a-f]{64}$/);
    const lines = r.stdout.split("\n");
    const row = (label: string) =>
      lines
        .find((l) => l.startsWith(`${label}:`))
        ?.slice(label.length + 1)
        .trim();
    assert.equal(row("name"), "report.bin");
    assert.equal(row("size"), "3.00 MB (3000000 bytes)");
    assert.match(row("expires in") ?? "", /^1 hour 5\d minutes \(\d{4}-\d\d-\d\dT/);
    assert.equal(row("downloads left"), "3");
    assert.equal(row("protection"), "no password");
    assert.equal(row("sha256"), hex, "the same 64 hex digits as sha256sum");
    assert.equal(row("link"), link);

    const json = await run(["info", link, "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const body = JSON.parse(json.stdout);
    assert.equal(body.sha256, createHash("sha256").update(bytes).digest("base64"), "the API's base64, unchanged");
    assert.equal(body.size, 3_000_000);
    assert.equal(body.downloadsRemaining, 3);
  });

  it("info of a password share says so and shows no name or hash until the password is given", async () => {
    const path = join(dir, "locked.txt");
    await writeFile(path, "secret contents");
    const up = await run(["upload", path, "--password"], { FILESHARE_PASSWORD: "correct horse battery" });
    assert.equal(up.code, 0, up.stderr);
    await backends.idle();
    const r = await run(["info", linkOf(up.stdout)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^name: +\(shown once the password is given\)$/m);
    assert.match(r.stdout, /^size: +15 bytes$/m);
    assert.match(r.stdout, /^protection: +password$/m);
    assert.match(r.stdout, /^sha256: +\(shown once the password is given\)$/m);
  });

  it("upload - --name reads standard input (through a private temporary file that is gone afterwards), in one PUT and in parts", async () => {
    const spool = join(dir, "tmp-ok");
    await mkdir(spool);
    for (const size of [1000, 20 * MIB]) {
      const bytes = randomBytes(size);
      const up = await run(["upload", "-", "--name", "notes.txt"], { TMPDIR: spool }, bytes);
      assert.equal(up.code, 0, up.stderr);
      assert.deepEqual(await spooled(spool), [], "the copy of standard input was deleted");
      await backends.idle();
      const out = join(dir, `stdin-copy-${size}`);
      const down = await run(["download", linkOf(up.stdout), "-o", out]);
      assert.equal(down.code, 0, down.stderr);
      assert.ok((await readFile(out)).equals(bytes), "the same bytes came back");
      const info = await run(["info", linkOf(up.stdout), "--json"]);
      assert.equal(JSON.parse(info.stdout).fileName, "notes.txt");
      assert.equal(JSON.parse(info.stdout).contentType, "text/plain");
    }
  });

  it("upload - refuses, in one line: no --name, a path as --name, --name without -, empty input, input above the stack's limit", async () => {
    const spool = join(dir, "tmp-refused");
    await mkdir(spool);
    const env = { TMPDIR: spool };
    const cases: [string[], Buffer, number, string][] = [
      [
        ["upload", "-"],
        Buffer.from("x"),
        2,
        "fileshare: upload - reads standard input and needs --name NAME, the file name the share shows.\n",
      ],
      [
        ["upload", "-", "--name", "../x.txt"],
        Buffer.from("x"),
        2,
        'fileshare: --name "../x.txt" must be a file name, not a path.\n',
      ],
      [
        ["upload", join(dir, "any.txt"), "--name", "x.txt"],
        Buffer.from("x"),
        2,
        "fileshare: --name is for standard input (upload - --name NAME); a file shares its own name.\n",
      ],
      [
        ["upload", "-", "--name", "e.txt"],
        Buffer.alloc(0),
        2,
        "fileshare: standard input is empty; there is nothing to share.\n",
      ],
      [
        ["upload", "-", "--name", "big.bin"],
        Buffer.alloc(64 * MIB + 1),
        3,
        "fileshare: standard input is larger than this stack accepts (at most 67.1 MB, its fileshare:maxFileSizeBytes setting); nothing was uploaded.\n",
      ],
    ];
    for (const [args, input, code, message] of cases) {
      const r = await run(args, env, input);
      assert.equal(r.stderr, message, args.join(" "));
      assert.equal(r.code, code);
      assert.equal(r.stdout, "");
      assert.deepEqual(await spooled(spool), [], "nothing left in the temporary folder");
    }
  });

  it("Ctrl-C while standard input is being read: the private copy (0700 folder, 0600 file) is deleted and the message says it cannot resume", async () => {
    const spool = join(dir, "tmp-interrupted");
    await mkdir(spool);
    const started = startCli(
      ["upload", "-", "--name", "stream.bin"],
      { FILESHARE_CONFIG_DIR: join(dir, "config"), FILESHARE_API: api, TMPDIR: spool },
      { stdin: "open" },
    );
    started.child.stdin?.write(randomBytes(100_000));
    const deadline = Date.now() + 60_000;
    let file: string | undefined;
    while (Date.now() < deadline && file === undefined) {
      const [folder] = await spooled(spool);
      const [name] = folder ? await readdir(join(spool, folder)).catch(() => []) : [];
      if (folder && name) {
        assert.equal((await stat(join(spool, folder))).mode & 0o777, 0o700, "the folder is private");
        file = join(spool, folder, name);
      } else await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(file, "the copy of standard input appeared");
    assert.equal((await stat(file)).mode & 0o777, 0o600, "the copy is private");
    started.child.kill("SIGINT");
    const r = await started.done;
    assert.equal(r.code, 130, r.stderr);
    assert.match(
      r.stderr,
      /^fileshare: interrupted; the copy of standard input was deleted, so this upload cannot resume/m,
    );
    assert.deepEqual(await spooled(spool), [], "the copy is gone");
  });

  it("between the last byte and the link, a multipart upload says it is completing", async () => {
    const path = join(dir, "parts.bin");
    await writeFile(path, randomBytes(12 * MIB));
    const up = await run(["upload", path]);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /^Completing the upload \(storage joins its 3 parts\)…$/m);
  });

  it("on a terminal, the bar at 100% says the upload is being confirmed with storage", async () => {
    const path = join(dir, "confirm.bin");
    await writeFile(path, randomBytes(2 * MIB));
    // script(1) gives the CLI a terminal, as a person has; its output is the terminal's.
    const command = [process.execPath, CLI, "upload", path].map((a) => `'${a}'`).join(" ");
    const { stdout } = await promisify(execFile)("script", ["-qec", command, "/dev/null"], {
      env: {
        ...process.env,
        FILESHARE_CONFIG_DIR: join(dir, "config"),
        FILESHARE_API: api,
        FILESHARE_RETRY_BASE_MS: "20",
      },
    });
    assert.match(stdout, /uploading \[[^\]]*\] 100% [^\r\n]*\| confirming the upload with storage…/);
    assert.match(stdout, /link: http/);
  });
});

// The owner's GET /files entries name a recipients share's addresses (docs/api.md); the stack in this branch may
// not send them yet, so the printing is checked on an entry of that documented shape.
describe("fileshare list for people: a share for named recipients", () => {
  it("says so and names them, shortened after five, with control characters escaped", () => {
    const now = Date.parse("2026-12-07T12:00:00Z");
    const entry = {
      fileName: "plan.pdf",
      size: 2_500_000_000,
      status: "available",
      expiresAt: "2026-12-09T15:30:00.000Z",
      downloadsRemaining: null,
      passwordRequired: true,
      recipients: [
        "kate@example.com",
        "bob@example.com",
        "a@example.com",
        "b@example.com",
        "c@example.com",
        "d\u001b[2J@example.com",
      ],
      sha256: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    };
    const text = describeShares([entry], now);
    assert.match(text, /^size: +2\.50 GB \(2500000000 bytes\)$/m);
    assert.match(text, /^expires in: +2 days 3 hours \(2026-12-09T15:30:00\.000Z\)$/m);
    assert.match(text, /^downloads left: +unlimited$/m);
    assert.match(text, /^protection: +password, named recipients$/m);
    assert.match(
      text,
      /^recipients: +kate@example\.com, bob@example\.com, a@example\.com, b@example\.com, c@example\.com and 1 more$/m,
    );
    // The SHA-256 of no bytes, as `sha256sum /dev/null` prints it.
    assert.match(text, /^sha256: +e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855$/m);
    assert.doesNotMatch(describeShares([{ ...entry, recipients: ["x\u001b[2J@example.com"] }], now), /\u001b/);
  });
});
