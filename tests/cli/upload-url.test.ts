// The CLI's single PUT when its upload URL has expired before the bytes go (a slow start, a laptop that slept): S3
// answers 403 "Request has expired", and the CLI asks POST /uploads/{id}/url for a fresh URL and sends again. The
// expired URL is real: a proxy in front of the API replaces POST /uploads's uploadUrl with one the server signs for
// the same share 301 s in the past (a 300 s lifetime).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, request as httpRequest, Server } from "node:http";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileKeyFor, keyNameFor } from "../../handlers/ids";
import { signUpload } from "../../handlers/objects";
import { getRecord } from "../../handlers/store/records";
import { inlineFile } from "../../handlers/store/shareFiles";
import type { Backends } from "../../local/backends";
import { waitFor } from "../support/wait";
import { startCli, useLocalApi } from "./process";

describe("fileshare upload: an upload URL that expired before the PUT (child process)", function () {
  this.timeout(180_000);
  const local = useLocalApi();
  let backends: Backends;
  let proxy: Server;
  let proxyUrl: string;
  let dir: string;
  const seen: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "fileshare-cli-url-"));
    backends = local.backends;
    const port = Number(new URL(local.api).port);
    proxy = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      // The local server answers only to its own Host (DNS-rebinding guard).
      const upstream = httpRequest(
        {
          host: "127.0.0.1",
          port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: `127.0.0.1:${port}` },
          agent: false,
        },
        (answer) => {
          if (req.method !== "POST" || req.url !== "/uploads" || answer.statusCode !== 201) {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            return void answer.pipe(res);
          }
          const chunks: Buffer[] = [];
          answer.on("data", (c: Buffer) => chunks.push(c));
          answer.on("end", async () => {
            const created = JSON.parse(Buffer.concat(chunks).toString()) as { id: string; uploadUrl: string };
            const deps = backends.deps;
            const record = await getRecord(deps, keyNameFor(created.id));
            assert.ok(record, "the share was created");
            const past = { ...deps, now: () => new Date(Date.now() - 301_000) };
            const expired = await signUpload(past, fileKeyFor(created.id), inlineFile(record), 300);
            const body = JSON.stringify({ ...created, uploadUrl: expired.url });
            res.writeHead(201, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
            res.end(body);
          });
        },
      );
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/`;
  });
  after(async () => {
    proxy?.closeAllConnections();
    await new Promise((r) => proxy?.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it("asks POST /uploads/{id}/url once for a fresh URL and finishes the share", async () => {
    const path = join(dir, "late.bin");
    const bytes = randomBytes(20_000);
    await writeFile(path, bytes);
    const up = await startCli(["upload", path, "--api", proxyUrl], { FILESHARE_CONFIG_DIR: join(dir, "config") }).done;
    assert.equal(up.code, 0, up.stderr);
    const id = (/^link: (\S+)$/m.exec(up.stdout)?.[1] ?? "").split("/").pop() as string;
    assert.equal(seen.filter((s) => s === `POST /uploads/${id}/url`).length, 1, `one fresh URL: ${seen.join(", ")}`);
    // A single PUT is confirmed by S3's event, which may arrive after the CLI has exited.
    await waitFor(async () => (await getRecord(backends.deps, keyNameFor(id)))?.status === "available", {
      timeoutMs: 30_000,
      what: "the bytes sent under the fresh URL to make the share available",
    });
  });
});
