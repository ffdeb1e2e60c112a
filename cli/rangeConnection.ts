// One kept-alive connection to the storage that GETs byte ranges of a pre-signed URL straight into buffers the
// caller owns: the socket's reads land in the range's own buffer (net and tls `onread`). Node's HTTP client
// copies every body byte out of the socket into a fresh buffer: that copy, its page faults and their garbage were
// most of a download's CPU. This speaks only what a ranged GET needs: a 206 whose Content-Length and
// Content-Range are exactly the range asked for; a 200 (a storage that ignores ranges) or a chunked answer is
// RangesUnsupported (the caller then streams the whole object), anything else an error.
import { isIP, OnReadOpts, Socket, connect as netConnect } from "node:net";
import { ConnectionOptions, connect as tlsConnect } from "node:tls";
import { cliError, EXIT } from "./errors";

/** The storage answered a range with the whole object (200) or in a form this connection does not read. */
export class RangesUnsupported extends Error {}

/** The most a response's status line and headers may take. */
const HEAD_MAX = 64 * 1024;
/** A connection silent this long while a range is out is given up (and the range retried). */
const STALL_MS = 60_000;
const HEAD_END = Buffer.from("\r\n\r\n");

const broke = (why: string) =>
  Object.assign(cliError(EXIT.unavailable, `The download broke off (${why}); run the command again.`), {
    retryable: true,
  });

interface Pending {
  start: number;
  target: Buffer;
  /** Bytes of the target received. */
  filled: number;
  /** Reading the status line and headers (into `head`), then the body (into `target`). */
  inBody: boolean;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class RangeConnection {
  private socket: Socket | undefined;
  /** Where a response's head is read; its first body bytes are copied from here into the target. */
  private readonly head = Buffer.allocUnsafe(HEAD_MAX);
  private headLength = 0;
  private pending: Pending | undefined;
  /** Whether the storage keeps the connection open after the answer being read. */
  private reuse = true;
  private readonly url: URL;

  constructor(url: string) {
    this.url = new URL(url);
  }

  /** GETs bytes [start, start + target.length) into `target`; resolves when all are there. */
  get(start: number, target: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending = { start, target, filled: 0, inBody: false, resolve, reject };
      this.headLength = 0;
      const socket = (this.socket ??= this.open());
      const { host, pathname, search } = this.url;
      socket.write(
        `GET ${pathname}${search} HTTP/1.1\r\nHost: ${host}\r\n` +
          `Range: bytes=${start}-${start + target.length - 1}\r\nUser-Agent: fileshare-cli\r\n\r\n`,
      );
    });
  }

  /** Closes the connection (nothing may be out). */
  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private open(): Socket {
    const https = this.url.protocol === "https:";
    const host = this.url.hostname.replace(/^\[(.*)\]$/, "$1");
    const port = Number(this.url.port) || (https ? 443 : 80);
    // A connection given up (after a refusal) reads into the head buffer and is not heard any more.
    const onread = {
      buffer: () => this.nextBuffer(),
      callback: (n: number) => (this.socket === socket ? this.received(n) : false),
    };
    // tls.connect takes `onread` as net.connect does (Node 15.1+), though its typings do not say so.
    const tlsOptions: ConnectionOptions & { onread: OnReadOpts } = {
      host,
      port,
      servername: isIP(host) ? undefined : host,
      onread,
    };
    const socket: Socket = https ? tlsConnect(tlsOptions) : netConnect({ host, port, onread });
    socket.setNoDelay(true);
    socket.setTimeout(STALL_MS, () => socket.destroy(new Error(`no answer for ${STALL_MS / 1000} s`)));
    // Only the connection in use can fail a range: one dropped earlier (after a refusal) is no longer heard.
    const lost = (why: string) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.fail(broke(why));
    };
    socket.on("error", (e: NodeJS.ErrnoException) => lost(e.code ?? e.message));
    socket.on("end", () =>
      lost(this.pending ? `got ${this.pending.filled} of ${this.pending.target.length} bytes of a range` : "closed"),
    );
    socket.on("close", () => lost("the connection closed"));
    return socket;
  }

  /** Where the socket's next read goes: the range's buffer once its body has begun, the head buffer before. */
  private nextBuffer(): Buffer {
    const p = this.pending;
    return p?.inBody ? p.target.subarray(p.filled) : this.head.subarray(this.headLength);
  }

  /** `n` bytes arrived in the buffer nextBuffer gave. */
  private received(n: number): boolean {
    const p = this.pending;
    if (p === undefined) {
      // Bytes nobody asked for: this connection cannot be trusted for the next range.
      this.close();
      return false;
    }
    if (p.inBody) {
      p.filled += n;
    } else {
      this.headLength += n;
      this.readHead(p);
    }
    if (this.pending === p && p.inBody && p.filled === p.target.length) {
      this.pending = undefined;
      if (!this.reuse) this.close();
      p.resolve();
    }
    return true;
  }

  private readHead(p: Pending): void {
    const end = this.head.subarray(0, this.headLength).indexOf(HEAD_END);
    if (end < 0) {
      if (this.headLength === HEAD_MAX) this.refuse(broke("the storage's answer had no end of headers"));
      return;
    }
    const lines = this.head.toString("latin1", 0, end).split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "")?.[1] ?? 0);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const body = this.head.subarray(end + HEAD_END.length, this.headLength);
    if (status >= 100 && status < 200) {
      // An interim answer (100 Continue): the real one follows.
      body.copy(this.head);
      this.headLength = body.length;
      return this.readHead(p);
    }
    if (status === 200) return this.refuse(new RangesUnsupported());
    if (status !== 206) {
      const retryable = status >= 500 || status === 429;
      return this.refuse(
        Object.assign(
          cliError(
            EXIT.unavailable,
            `The storage answered ${status || "nonsense"} to the download; run the command again.`,
          ),
          { retryable },
        ),
      );
    }
    if (headers.has("transfer-encoding")) return this.refuse(new RangesUnsupported());
    const last = p.start + p.target.length - 1;
    const length = Number(headers.get("content-length"));
    const range = /^bytes (\d+)-(\d+)\//.exec(headers.get("content-range") ?? "");
    if (length > p.target.length || body.length > p.target.length) {
      return this.refuse(
        cliError(
          EXIT.verification,
          "The storage sent more than the range asked for; the download was stopped and the partial file deleted.",
        ),
      );
    }
    if (length !== p.target.length || Number(range?.[1]) !== p.start || Number(range?.[2]) !== last) {
      return this.refuse(
        cliError(
          EXIT.verification,
          `The storage answered another range than bytes ${p.start}-${last}; the partial file was deleted.`,
        ),
      );
    }
    // An answer that closes its connection is read to its end; the next range opens another.
    this.reuse = !/\bclose\b/i.test(headers.get("connection") ?? "") && !lines[0]?.startsWith("HTTP/1.0");
    body.copy(p.target);
    p.filled = body.length;
    p.inBody = true;
    this.headLength = 0;
  }

  /** Fails the range out and drops the connection (what else it sends is not read). */
  private refuse(e: unknown): void {
    const socket = this.socket;
    this.socket = undefined;
    this.fail(e);
    socket?.destroy();
  }

  private fail(e: unknown): void {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(e);
  }
}
