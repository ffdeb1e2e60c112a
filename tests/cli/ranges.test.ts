// The ranged download (cli/ranges.ts over cli/rangeConnection.ts, which reads HTTP answers itself) against a
// storage played by a raw TCP server in the test: the bytes, the hash and the kept-alive connections of a good
// one; what each wrong answer ends as (a retry, RangesUnsupported, or an error with the exit code it means).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, open, readdir, readFile, rm } from "node:fs/promises";
import { AddressInfo, createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { execFile } from "node:child_process";
import { createServer as createTlsServer } from "node:tls";
import { promisify } from "node:util";
import { hostileServer, json } from "./hostileServer";
import { startCli } from "./process";
import { EXIT } from "../../cli/errors";
import { downloadRanges, RANGE, RangesUnsupported } from "../../cli/ranges";

/** What the storage answers to one ranged GET: the head's lines after the status line, and the body. */
type Answer = { status: string; headers: string[]; body: Buffer; hangUpAfter?: number } | "hang up";

/** A storage on raw TCP: parses each GET's Range, answers with `answer` (in small pieces, the head split too),
 *  keeps connections open unless told; counts requests and connections. */
async function storage(
  answer: (start: number, end: number, request: number) => Answer,
  tls?: { key: string; cert: string },
) {
  let requests = 0;
  let connections = 0;
  const sockets = new Set<Socket>();
  const serve = (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    let text = "";
    socket.on("data", async (chunk) => {
      text += chunk.toString("latin1");
      for (let end = text.indexOf("\r\n\r\n"); end >= 0; end = text.indexOf("\r\n\r\n")) {
        const head = text.slice(0, end);
        text = text.slice(end + 4);
        const range = /^range: bytes=(\d+)-(\d+)$/im.exec(head);
        const a = answer(Number(range?.[1]), Number(range?.[2]), requests++);
        if (a === "hang up") return void socket.destroy();
        const whole = Buffer.concat([
          Buffer.from(`HTTP/1.1 ${a.status}\r\n${a.headers.map((h) => `${h}\r\n`).join("")}\r\n`),
          a.hangUpAfter === undefined ? a.body : a.body.subarray(0, a.hangUpAfter),
        ]);
        // In pieces, the first inside the status line: the client must put a head together from several reads.
        for (let at = 0; at < whole.length;) {
          const piece = at === 0 ? 7 : 300 * 1024;
          socket.write(whole.subarray(at, at + piece));
          at += piece;
          await new Promise((r) => setImmediate(r));
        }
        if (a.hangUpAfter !== undefined) return void socket.destroy();
      }
    });
  };
  const server = tls ? createTlsServer(tls, serve) : createServer(serve);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}/bucket/key?X-Amz-Signature=abc`,
    counts: () => ({ requests, connections }),
    close: async () => {
      sockets.forEach((s) => s.destroy());
      await new Promise((r) => server.close(r));
    },
  };
}

/** A good 206 for bytes [start, end] of `bytes`. */
const partial = (bytes: Buffer, start: number, end: number, extra: string[] = []) => ({
  status: "206 Partial Content",
  headers: [
    `Content-Length: ${end - start + 1}`,
    `Content-Range: bytes ${start}-${end}/${bytes.length}`,
    "Content-Type: application/octet-stream",
    ...extra,
  ],
  body: bytes.subarray(start, end + 1),
});

describe("ranged download: reading a storage's answers straight into range buffers", function () {
  this.timeout(120_000);
  const bytes = Buffer.alloc(4 * RANGE + 12345);
  for (let i = 0; i + 4 <= bytes.length; i += 4) bytes.writeUInt32LE(i, i);
  let dir: string;
  let retryBase: string | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "fileshare-ranges-"));
    retryBase = process.env["FILESHARE_RETRY_BASE_MS"];
    process.env["FILESHARE_RETRY_BASE_MS"] = "10";
  });
  after(async () => {
    if (retryBase === undefined) delete process.env["FILESHARE_RETRY_BASE_MS"];
    else process.env["FILESHARE_RETRY_BASE_MS"] = retryBase;
    await rm(dir, { recursive: true, force: true });
  });

  /** Downloads `bytes` from `url` into a new file: its bytes and SHA-256, or the error. */
  async function fetchAll(url: string) {
    const path = join(dir, `out-${Math.random()}`);
    const handle = await open(path, "w");
    let counted = 0;
    try {
      const sha256 = await downloadRanges(url, bytes.length, handle, (n) => (counted += n));
      await handle.close();
      return { file: await readFile(path), sha256, counted };
    } finally {
      await handle.close().catch(() => undefined);
    }
  }
  const sha256 = createHash("sha256").update(bytes).digest("base64");

  it("gets every range into place over at most one kept-alive connection per GET in flight, hashed in order", async () => {
    const s = await storage((start, end) => partial(bytes, start, end));
    try {
      const got = await fetchAll(s.url);
      assert.ok(got.file.equals(bytes), "the file equals the object");
      assert.equal(got.sha256, sha256);
      assert.equal(got.counted, bytes.length);
      assert.equal(s.counts().requests, 5);
      assert.ok(s.counts().connections <= 4, `${s.counts().connections} connections for 5 ranges`);
    } finally {
      await s.close();
    }
  });

  it("opens a new connection after each answer that says Connection: close, and after an interim 100", async () => {
    const s = await storage((start, end) => {
      const a = partial(bytes, start, end, ["Connection: close"]);
      return { ...a, status: "100 Continue\r\n\r\nHTTP/1.1 206 Partial Content" };
    });
    try {
      const got = await fetchAll(s.url);
      assert.equal(got.sha256, sha256);
      assert.equal(s.counts().connections, 5);
    } finally {
      await s.close();
    }
  });

  it("retries a range after a 503, a hang-up before the answer and a hang-up mid-body", async () => {
    const s = await storage((start, end, n) =>
      n === 0
        ? { status: "503 Slow Down", headers: ["Content-Length: 0"], body: Buffer.alloc(0) }
        : n === 2
          ? "hang up"
          : n === 4
            ? { ...partial(bytes, start, end), hangUpAfter: 1000 }
            : partial(bytes, start, end),
    );
    try {
      const got = await fetchAll(s.url);
      assert.equal(got.sha256, sha256);
      assert.equal(s.counts().requests, 8);
    } finally {
      await s.close();
    }
  });

  it("gives up with exit 4 (run it again) when every attempt at a range hangs up", async () => {
    const s = await storage((start, end) => ({ ...partial(bytes, start, end), hangUpAfter: 1000 }));
    try {
      await assert.rejects(fetchAll(s.url), (e: { exitCode?: number; message: string; retryable?: boolean }) => {
        assert.equal(e.exitCode, EXIT.unavailable, e.message);
        assert.match(e.message, /^The download broke off \(.+\); run the command again\.$/);
        return true;
      });
    } finally {
      await s.close();
    }
  });

  it("answers RangesUnsupported to a storage that sends the whole object (200) or a chunked range", async () => {
    for (const answer of [
      (): Answer => ({ status: "200 OK", headers: [`Content-Length: ${bytes.length}`], body: bytes }),
      (start: number, end: number): Answer => {
        const a = partial(bytes, start, end);
        return { ...a, headers: ["Transfer-Encoding: chunked"], body: Buffer.from("0\r\n\r\n") };
      },
    ]) {
      const s = await storage(answer);
      try {
        await assert.rejects(fetchAll(s.url), RangesUnsupported);
      } finally {
        await s.close();
      }
    }
  });

  it("refuses with exit 5 a range longer than asked, or other bytes than asked, and a 403 with exit 4", async () => {
    const cases: [(start: number, end: number) => Answer, RegExp, number][] = [
      [(start, end) => partial(bytes, start, end + 1), /sent more than the range asked for/, EXIT.verification],
      [(start, end) => partial(bytes, start + 1, end), /another range than bytes 0-8388607/, EXIT.verification],
      [
        () => ({ status: "403 Forbidden", headers: ["Content-Length: 0"], body: Buffer.alloc(0) }),
        /answered 403 to the download/,
        EXIT.unavailable,
      ],
      [
        () => ({ status: "206 Partial Content", headers: ["X: " + "y".repeat(70_000)], body: Buffer.alloc(0) }),
        /no end of headers/,
        EXIT.unavailable,
      ],
    ];
    for (const [answer, message, code] of cases) {
      const s = await storage(answer);
      try {
        await assert.rejects(fetchAll(s.url), (e: { exitCode?: number; message: string }) => {
          assert.match(e.message, message);
          assert.equal(e.exitCode, code, e.message);
          return true;
        });
      } finally {
        await s.close();
      }
    }
  });

  describe("over TLS (the CLI as a child process, a storage with its own certificate)", () => {
    let cert: string;
    let key: string;
    before(async () => {
      key = join(dir, "key.pem");
      cert = join(dir, "cert.pem");
      await promisify(execFile)("openssl", [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"],
        ...["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
      ]);
    });

    /** `fileshare download` of a share whose storage is `storageUrl`, with NODE_EXTRA_CA_CERTS when given. */
    async function download(storageUrl: string, env: Record<string, string>) {
      const id = "R".repeat(22);
      const api = await hostileServer((req, res) => {
        if (req.url === `/files/${id}`) {
          return json(res, {
            id,
            fileName: "big.bin",
            contentType: "application/octet-stream",
            size: bytes.length,
            status: "available",
            expiresAt: new Date(Date.now() + 3600_000).toISOString(),
            downloadsRemaining: null,
            sha256: createHash("sha256").update(bytes).digest("base64"),
          });
        }
        if (req.url === `/files/${id}/download`) return json(res, { downloadUrl: storageUrl, size: bytes.length });
        json(res, { error: { code: "NotFound", message: "no" } }, 404);
      });
      try {
        const out = join(dir, `tls-${Math.random()}`);
        const run = await startCli(["download", `${api.base}files/${id}`, "-o", out], {
          FILESHARE_CONFIG_DIR: join(dir, "config"),
          ...env,
        }).done;
        const left = (await readdir(dir)).filter((f) => f.startsWith(basename(out)));
        return { run, file: await readFile(out).catch(() => undefined), left };
      } finally {
        await api.close();
      }
    }

    it("downloads in ranges from a storage whose certificate is trusted, and checks the SHA-256", async () => {
      const s = await storage((start, end) => partial(bytes, start, end), {
        key: await readFile(key, "utf8"),
        cert: await readFile(cert, "utf8"),
      });
      try {
        const { run, file } = await download(s.url, { NODE_EXTRA_CA_CERTS: cert });
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /SHA-256 verified/);
        assert.ok(file?.equals(bytes), "the file equals the object");
        assert.ok(s.counts().connections <= 4, `${s.counts().connections} connections`);
      } finally {
        await s.close();
      }
    });

    it("refuses a storage whose certificate is not trusted: exit 4, one line, nothing left", async () => {
      const s = await storage((start, end) => partial(bytes, start, end), {
        key: await readFile(key, "utf8"),
        cert: await readFile(cert, "utf8"),
      });
      try {
        const { run, file, left } = await download(s.url, {});
        assert.equal(run.code, 4, run.stderr);
        assert.match(
          run.stderr,
          /^fileshare: The download broke off \((SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT)\); run the command again\.\n$/,
        );
        assert.equal(file, undefined);
        assert.deepEqual(left, [], "no partial file");
        assert.equal(s.counts().requests, 0, "no request reached the untrusted storage");
      } finally {
        await s.close();
      }
    });
  });
});
