// End-to-end encrypted shares through the `fileshare` command as a child process, against the local gateway, the
// signature-checking local S3 and dynalite: `upload --encrypt` of one file (one PUT, and in parts), several files
// with a title, a folder and standard input come back byte for byte; the bucket holds ciphertext that http_ece
// (an independent RFC 8188 implementation) decrypts with the key from the link, and no plaintext; a wrong key and
// a flipped byte in the stored object exit 5 leaving no file; a link without its key fails with one line; the key
// appears nowhere but in the printed link (not in the CLI's messages, nor in the servers' logs).
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import * as httpEce from "http_ece";
import { fileKeyFor } from "../../handlers/ids";
import { Backends, startBackends } from "../../local/backends";
import { createGateway, Gateway } from "../../local/gateway";
import type { RuntimeConfig } from "../../config/runtime";
import { testConfig } from "../support/harness";
import { captureStdout } from "../support/stdout";
import { Run, startCli } from "./process";

const MIB = 1024 * 1024;
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
/** Written into every plaintext: the bucket, the table and the logs must never show it. */
const MARKER = "PLAINTEXT-MARKER-7f3a9c";
const plaintext = (size: number) => {
  const bytes = randomBytes(size);
  for (let at = 0; at + MARKER.length <= size; at += 100_000) bytes.write(MARKER, at);
  return bytes;
};

/** The local servers on a data folder of our own (its S3 objects are files a test can read and change). */
async function startServers(config: RuntimeConfig) {
  const dataDir = await mkdtemp(join(tmpdir(), "fileshare-cli-encrypted-data-"));
  const backends: Backends = await startBackends({ config, dataDir });
  const gateway: Gateway = createGateway({ deps: () => backends.deps });
  const api = `http://127.0.0.1:${await gateway.listen(0)}/`;
  return {
    backends,
    api,
    dataDir,
    close: async () => {
      await gateway.close();
      await backends.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every file under `folder`, recursively. */
async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe("fileshare CLI: end-to-end encrypted shares, as a child process against the local servers", function () {
  this.timeout(300_000);
  let servers: Awaited<ReturnType<typeof startServers>>;
  let dir: string;
  /** Everything the servers logged (the handlers write JSON lines to this process's stdout). */
  let logs = "";
  /** Every line the CLI printed, with the links it printed taken out (the one place the key belongs). */
  let printed = "";
  const keys: string[] = [];

  before(async () => {
    // A small multipart threshold, so that a file of a few MiB goes up in parts.
    servers = await startServers(
      testConfig({ maxFileSizeBytes: 64 * MIB, multipartThresholdBytes: 6 * MIB, multipartPartSizeBytes: 5 * MIB }),
    );
    dir = await mkdtemp(join(tmpdir(), "fileshare-cli-encrypted-"));
  });
  after(async () => {
    await servers?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const config = () => join(dir, "config");
  /** Runs the CLI, collecting the servers' logs meanwhile and what it printed (links aside). */
  const run = async (args: string[], stdin?: Buffer, env: Record<string, string> = {}): Promise<Run> => {
    const { result, text } = await captureStdout(
      () => startCli(args, { FILESHARE_CONFIG_DIR: config(), ...env }, stdin ? { stdin } : {}).done,
    );
    logs += text;
    printed += `${result.stdout.replace(/^link: \S+$/gm, "")}\n${result.stderr}\n`;
    return result;
  };
  /** Uploads with --encrypt; the printed link, its id and its key. */
  const share = async (args: string[], stdin?: Buffer) => {
    const up = await run(["upload", "--encrypt", ...args, "--api", servers.api], stdin);
    assert.equal(up.code, 0, up.stderr);
    const link = /^link: (\S+)$/m.exec(up.stdout)?.[1] as string;
    const match = /\/files\/([^/#?]+)#([A-Za-z0-9_-]{22})$/.exec(link ?? "");
    assert.ok(match, `a link with a 22-character key in its fragment: ${up.stdout}`);
    keys.push(match[2] as string);
    await servers.backends.idle();
    return { link, id: match[1] as string, key: Buffer.from(match[2] as string, "base64url") };
  };
  /** The stored object of a one-file share. */
  const stored = async (id: string): Promise<Buffer> => {
    const { deps } = servers.backends;
    const got = await deps.s3.send(new GetObjectCommand({ Bucket: deps.config.bucketName, Key: fileKeyFor(id) }));
    return Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  };
  const download = (link: string, out: string, extra: string[] = []) =>
    run(["download", link, "-o", out, "--api", servers.api, ...extra]);

  for (const [what, size] of [
    ["small (one PUT)", 150_000],
    ["in parts (above the multipart threshold)", 13 * MIB + 5],
  ] as const) {
    it(`round trip ${what}: bytes equal, and the bucket holds ciphertext that http_ece decrypts with the link's key`, async () => {
      const plain = plaintext(size);
      const name = `secret-${size}.pdf`;
      await writeFile(join(dir, name), plain);
      const { link, id, key } = await share([join(dir, name)]);

      const cipher = await stored(id);
      assert.notEqual(cipher.length, plain.length, "the object is not the plaintext");
      assert.ok(!cipher.includes(MARKER), "no plaintext in the object");
      assert.deepEqual(httpEce.decrypt(cipher, { version: "aes128gcm", key }), plain, "http_ece decrypts it");

      const out = join(dir, `out-${size}`);
      await mkdir(out);
      const down = await download(link, out);
      assert.equal(down.code, 0, down.stderr);
      assert.equal(sha256(await readFile(join(out, name))), sha256(plain), "the decrypted name and bytes");
      assert.match(down.stdout, new RegExp(`: ${size} bytes, SHA-256 verified$`, "m"));
      assert.deepEqual(await readdir(out), [name], "nothing else written");
    });
  }

  it("several files with a title, and a folder: info decrypts names, types and title; downloads decrypt every file", async () => {
    const src = join(dir, "album");
    const sent: Record<string, Buffer> = {
      "beach.jpg": plaintext(70_000),
      "2026/june/sea.png": plaintext(7 * MIB),
      "notes/todo.txt": plaintext(1000),
    };
    for (const [name, bytes] of Object.entries(sent)) {
      await mkdir(join(src, name, ".."), { recursive: true });
      await writeFile(join(src, name), bytes);
    }
    const titled = await share([join(src, "beach.jpg"), join(src, "notes", "todo.txt"), "--title", "Holiday 2026"]);
    const info = await run(["info", titled.link, "--api", servers.api]);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /^title: +Holiday 2026$/m);
    assert.match(info.stdout, /^encryption: +end to end \(decrypted with the link's key\)$/m);
    assert.match(info.stdout, /70\.0 kB +image\/jpeg +available +beach\.jpg$/m);
    assert.match(info.stdout, /1\.00 kB +text\/plain +available +todo\.txt$/m);
    const json = await run(["info", titled.link, "--json", "--api", servers.api]);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { title: string; files: { fileName: string; size: number }[] };
    assert.equal(parsed.title, "Holiday 2026");
    assert.deepEqual(
      parsed.files.map((f) => [f.fileName, f.size]),
      [
        ["beach.jpg", 70_000],
        ["todo.txt", 1000],
      ],
    );
    const hidden = await run(["info", titled.link.split("#")[0] as string, "--api", servers.api]);
    assert.equal(hidden.code, 0, hidden.stderr);
    assert.match(hidden.stdout, /^encryption: +end to end; names and types are hidden: the link has no key/m);
    assert.match(hidden.stdout, /^title: +\(encrypted: the link has no key\)$/m);
    assert.ok(!hidden.stdout.includes("beach"), hidden.stdout);

    const folder = await share([src]);
    const out = join(dir, "album-out");
    const down = await download(folder.link, out);
    assert.equal(down.code, 0, down.stderr);
    for (const [name, bytes] of Object.entries(sent)) {
      assert.equal(sha256(await readFile(join(out, "album", name))), sha256(bytes), name);
      assert.match(down.stdout, new RegExp(`album/${name}: ${bytes.length} bytes, SHA-256 verified$`, "m"));
    }
    assert.equal((await filesUnder(out)).length, 3, "only the three files");
  });

  it("standard input with --name: encrypted from its spooled copy, and the name comes back decrypted", async () => {
    const plain = plaintext(300_000);
    const { link } = await share(["-", "--name", "dump.sql"], plain);
    const out = join(dir, "stdin-out");
    await mkdir(out);
    const down = await download(link, out);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(sha256(await readFile(join(out, "dump.sql"))), sha256(plain));
  });

  it("an interrupted encrypted upload resumes with the same key and salt, kept meanwhile in a state file of mode 0600", async () => {
    const plain = plaintext(13 * MIB + 7);
    await writeFile(join(dir, "resume.bin"), plain);
    const args = ["upload", "--encrypt", join(dir, "resume.bin"), "--parallel", "1", "--api", servers.api];
    const uploads = join(config(), "uploads");
    /** The saved encrypted upload, once it has at least one part on record. */
    const saved = async () => {
      for (const name of await readdir(uploads).catch(() => [] as string[])) {
        if (!name.startsWith("sealed-") || !name.endsWith(".json")) continue;
        try {
          const state = JSON.parse(await readFile(join(uploads, name), "utf8"));
          if (Object.keys(state.etags ?? {}).length >= 1) return { name, state };
        } catch {
          // being written
        }
      }
      return undefined;
    };
    const first = startCli(args, { FILESHARE_CONFIG_DIR: config() });
    const deadline = Date.now() + 120_000;
    let state: Awaited<ReturnType<typeof saved>>;
    while (Date.now() < deadline && (state = await saved()) === undefined) await new Promise((r) => setTimeout(r, 10));
    first.child.kill("SIGKILL");
    const killed = await first.done;
    assert.equal(killed.signal, "SIGKILL", `killed mid-upload (it printed: ${killed.stdout} ${killed.stderr})`);
    assert.ok(state, "a saved upload with a part on record");
    assert.equal((await stat(join(uploads, state.name))).mode & 0o777, 0o600, "the state file is mode 0600");
    const savedKey = state.state.encryption.key as string;
    assert.match(savedKey, /^[A-Za-z0-9_-]{22}$/);
    assert.ok(!killed.stderr.includes(savedKey), "the key is not in the messages");

    const second = await run(args.slice(0));
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /^Resuming the upload of resume\.bin \(\d parts on record\)\.$/m);
    const link = /^link: (\S+)$/m.exec(second.stdout)?.[1] as string;
    assert.equal(link.split("#")[1], savedKey, "the link carries the key the first run made");
    keys.push(savedKey);
    assert.deepEqual(
      (await readdir(uploads)).filter((f) => f.startsWith("sealed-")),
      [],
      "the saved upload (and its key) is gone once complete",
    );
    await servers.backends.idle();
    const out = join(dir, "resume-out");
    await mkdir(out);
    const down = await download(link, out);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(sha256(await readFile(join(out, "resume.bin"))), sha256(plain));
  });

  it("a password share combines with encryption: the password unlocks, the key decrypts", async () => {
    const plain = plaintext(90_000);
    await writeFile(join(dir, "locked.txt"), plain);
    const env = { FILESHARE_PASSWORD: "correct horse battery" };
    const up = await run(
      ["upload", "--encrypt", "--password", join(dir, "locked.txt"), "--api", servers.api],
      undefined,
      env,
    );
    assert.equal(up.code, 0, up.stderr);
    const link = /^link: (\S+)$/m.exec(up.stdout)?.[1] as string;
    keys.push(link.split("#")[1] as string);
    await servers.backends.idle();
    const out = join(dir, "locked-out");
    await mkdir(out);
    const down = await run(["download", link, "-o", out, "--api", servers.api], undefined, env);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(sha256(await readFile(join(out, "locked.txt"))), sha256(plain));
  });

  it("a wrong key exits 5 before anything is written or a download is used", async () => {
    await writeFile(join(dir, "wrong.txt"), plaintext(5000));
    const { link } = await share([join(dir, "wrong.txt"), "--max-downloads", "1"]);
    const out = join(dir, "wrong-out");
    await mkdir(out);
    const wrong = `${link.split("#")[0]}#${randomBytes(16).toString("base64url")}`;
    const down = await download(wrong, out);
    assert.equal(down.code, 5, down.stderr);
    assert.match(
      down.stderr,
      /^fileshare: The share's encrypted file name and type cannot be trusted: it does not decrypt with the key in the link/,
    );
    assert.equal(down.stderr.trim().split("\n").length, 1, down.stderr);
    assert.deepEqual(await readdir(out), []);
    // The one download it allows is still there: the right key downloads it.
    const right = await download(link, out);
    assert.equal(right.code, 0, right.stderr);
  });

  it("a flipped byte in the stored object exits 5 and leaves no file, partial or whole", async () => {
    const plain = plaintext(3 * 65519 + 10); // four records: the flipped one is the third
    await writeFile(join(dir, "flip.bin"), plain);
    const { link, id } = await share([join(dir, "flip.bin")]);
    const cipher = await stored(id);
    const onDisk: string[] = [];
    for (const file of await filesUnder(join(servers.dataDir, "s3"))) {
      if ((await stat(file)).size === cipher.length && (await readFile(file)).equals(cipher)) onDisk.push(file);
    }
    assert.equal(onDisk.length, 1, "the object's file in the local S3's folder");
    const changed = Buffer.from(cipher);
    const at = 21 + 2 * 65536 + 100;
    changed[at] = (changed[at] as number) ^ 1;
    await writeFile(onDisk[0] as string, changed);

    const out = join(dir, "flip-out");
    await mkdir(out);
    const down = await download(link, out);
    assert.equal(down.code, 5, down.stderr);
    assert.match(
      down.stderr,
      /^fileshare: The encrypted file cannot be trusted: record 2 was changed\. Nothing of it is kept\.$/m,
    );
    assert.deepEqual(await readdir(out), [], "no file, no partial file");
  });

  it("a link without its key fails with one line before downloading; a malformed key before any request", async () => {
    await writeFile(join(dir, "nokey.txt"), plaintext(1000));
    const { link } = await share([join(dir, "nokey.txt")]);
    const out = join(dir, "nokey-out");
    await mkdir(out);
    for (const bare of [link.split("#")[0] as string, `${link.split("#")[0]}#`]) {
      const down = await download(bare, out);
      assert.equal(down.code, 2, down.stderr);
      assert.equal(
        down.stderr,
        'fileshare: This share is end-to-end encrypted and the link has no key (the part after "#"): use the whole link as it was shared. Nothing was downloaded.\n',
      );
    }
    // Nothing listens on port 9: a request would fail with exit 4, so exit 2 proves none was made.
    const malformed = await run(["download", "http://127.0.0.1:9/files/abcdefghijklmnopqrstuv#tooshort", "-o", out]);
    assert.equal(malformed.code, 2, malformed.stderr);
    assert.match(malformed.stderr, /^fileshare: The key in the link \(the part after "#"\) must be 22 characters/);
    assert.deepEqual(await readdir(out), []);
    // A link that is not one is refused without repeating its key.
    const key = randomBytes(16).toString("base64url");
    const notLink = await run(["download", `http://127.0.0.1:9/elsewhere#${key}`, "-o", out]);
    assert.equal(notLink.code, 2, notLink.stderr);
    assert.ok(!notLink.stderr.includes(key), notLink.stderr);
  });

  it("config.json's encrypt default encrypts without --encrypt; --no-encrypt overrides it", async () => {
    await mkdir(config(), { recursive: true });
    await writeFile(join(config(), "config.json"), JSON.stringify({ encrypt: true }));
    try {
      await writeFile(join(dir, "default.txt"), plaintext(2000));
      const on = await run(["upload", join(dir, "default.txt"), "--api", servers.api]);
      assert.equal(on.code, 0, on.stderr);
      const link = /^link: (\S+)$/m.exec(on.stdout)?.[1] as string;
      assert.match(link, /#[A-Za-z0-9_-]{22}$/);
      keys.push(link.split("#")[1] as string);
      // Without the marker: this one goes up in clear, on purpose.
      await writeFile(join(dir, "clear.txt"), randomBytes(2000));
      const off = await run(["upload", join(dir, "clear.txt"), "--no-encrypt", "--api", servers.api]);
      assert.equal(off.code, 0, off.stderr);
      assert.match(off.stdout, /^link: \S+\/files\/[^#\s]+$/m);
    } finally {
      await rm(join(config(), "config.json"));
    }
  });

  it("the bucket and the table hold no plaintext, and the key appears nowhere but in the printed links", async function () {
    if (keys.length < 8) this.skip(); // needs the shares the tests above made
    const { deps } = servers.backends;
    for (const file of await filesUnder(join(servers.dataDir, "s3"))) {
      const bytes = await readFile(file);
      assert.ok(!bytes.includes(MARKER), `plaintext in the bucket's folder: ${file}`);
      for (const name of ["secret-150000", "beach.jpg", "Holiday 2026", "dump.sql"]) {
        assert.ok(!bytes.includes(name), `${name} in the bucket's folder: ${file}`);
      }
    }
    const listed = await deps.s3.send(new ListObjectsV2Command({ Bucket: deps.config.bucketName }));
    assert.ok((listed.Contents ?? []).length >= 5, "the scan saw the objects");
    const table = JSON.stringify((await deps.db.send(new ScanCommand({ TableName: deps.config.tableName }))).Items);
    for (const name of ["secret-150000", "beach.jpg", "Holiday 2026", "dump.sql", "image/jpeg"]) {
      assert.ok(!table.includes(name), `${name} in the table`);
    }
    assert.ok(logs.length > 0, "the servers logged");
    for (const key of keys) {
      assert.ok(!logs.includes(key), "a key in the servers' logs");
      assert.ok(!printed.includes(key), "a key in the CLI's messages");
      for (const form of [
        Buffer.from(key, "base64url").toString("hex"),
        Buffer.from(key, "base64url").toString("base64"),
      ]) {
        assert.ok(!logs.includes(form) && !printed.includes(form), "a key, re-encoded, in a log or message");
      }
    }
  });
});

describe("fileshare CLI: the stack's encryption setting decides", function () {
  this.timeout(120_000);
  for (const mode of ["required", "off"] as const) {
    describe(`on a stack where it is ${mode}`, () => {
      let servers: Awaited<ReturnType<typeof startServers>>;
      let dir: string;
      before(async () => {
        servers = await startServers(testConfig({ encryption: mode }));
        dir = await mkdtemp(join(tmpdir(), "fileshare-cli-encryption-mode-"));
        await writeFile(join(dir, "a.txt"), plaintext(1000));
      });
      after(async () => {
        await servers?.close();
        await rm(dir, { recursive: true, force: true });
      });
      const run = (args: string[]) =>
        startCli([...args, "--api", servers.api], { FILESHARE_CONFIG_DIR: join(dir, "config") }).done;

      if (mode === "required") {
        it("encrypts without being asked, and refuses --no-encrypt with one line naming the setting", async () => {
          const up = await run(["upload", join(dir, "a.txt")]);
          assert.equal(up.code, 0, up.stderr);
          assert.match(up.stdout, /^link: \S+#[A-Za-z0-9_-]{22}$/m);
          assert.match(up.stderr, /This stack requires end-to-end encryption \(fileshare:encryption\): encrypting/);
          const plain = await run(["upload", join(dir, "a.txt"), "--no-encrypt"]);
          assert.equal(plain.code, 3, plain.stderr);
          assert.equal(
            plain.stderr,
            "fileshare: This stack requires end-to-end encryption (its fileshare:encryption setting is required): leave out --no-encrypt. Nothing was sent.\n",
          );
        });
      } else {
        it("refuses --encrypt with one line naming the setting, before anything is sent", async () => {
          const up = await run(["upload", "--encrypt", join(dir, "a.txt")]);
          assert.equal(up.code, 3, up.stderr);
          assert.equal(
            up.stderr,
            "fileshare: This stack does not accept encrypted shares (its fileshare:encryption setting is off), so --encrypt cannot be honoured: pass --no-encrypt to share without encryption. Nothing was sent.\n",
          );
          const scan = await servers.backends.deps.db.send(
            new ScanCommand({ TableName: servers.backends.deps.config.tableName }),
          );
          assert.deepEqual(scan.Items, [], "no share was made");
        });
      }
    });
  }
});
