// The page's end-to-end encryption core (web/js/ece.js) in headless Chromium's WebCrypto: the RFC's examples,
// byte-identical output to the CLI's node:crypto code given the same salt or nonce, http_ece (the RFC author's
// implementation) both ways, parts encrypted on their own, and decryption that refuses tampering without
// letting out a byte of the failing record. The file is loaded as the page loads its scripts: inside one
// strict-mode function, with the page's base64url from web/js/auth.js.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as httpEce from "http_ece";
import { BrowserContext, Page } from "playwright-core";
import * as ts from "typescript";
import { encryptedSize, encryptStream, fileKeys, plainSize, RECORD_PLAIN, RECORD_SIZE } from "../../cli/crypto/ece";
import { decryptMetadata, encryptMetadata } from "../../cli/crypto/metadata";
import { keyToFragment, newShareKey } from "../../cli/crypto/shareKey";
import { SCRIPT_FILES } from "../../handlers/page";
import { sharedChromium } from "../../scripts/chromium";
import { SECTION_3_1, SECTION_3_2 } from "../support/rfc8188";

const WEB = join(__dirname, "..", "..", "web");
const read = (name: string) => readFileSync(join(WEB, name), "utf8");
const ECE_FILE = "js/ece.js";
/** What the tests call, handed out of the page's function scope. */
const EXPORTS = [
  "eceEncryptedSize",
  "ecePlainRange",
  "eceFileKeys",
  "eceEncryptPart",
  "eceDecryptStream",
  "encryptMetadata",
  "decryptMetadata",
  "newShareKey",
  "shareKeyToFragment",
  "shareKeyFromFragment",
];

/** web/js/ece.js as the tests see it (window.ece, set when the script is loaded). */
interface PageEce {
  eceEncryptedSize(size: number): number;
  ecePlainRange(size: number, start: number, end: number): { start: number; end: number };
  eceFileKeys(key: Uint8Array, salt: Uint8Array): Promise<unknown>;
  eceEncryptPart(keys: unknown, size: number, plain: Uint8Array, start: number, end: number): Promise<Uint8Array>;
  eceDecryptStream(key: Uint8Array): TransformStream<Uint8Array, Uint8Array>;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const b64u = (text: string) => Buffer.from(text, "base64url");

async function nodeEncrypt(key: Buffer, salt: Buffer, plain: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from([plain]), encryptStream(fileKeys(key, salt)), async (s: AsyncIterable<Buffer>) => {
    for await (const c of s) out.push(c);
  });
  return Buffer.concat(out);
}

/** The names a classic script declares at its top level. */
function topLevelNames(text: string): string[] {
  const file = ts.createSourceFile("x.js", text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  return file.statements.flatMap((s) => {
    if (ts.isFunctionDeclaration(s) && s.name) return [s.name.text];
    if (ts.isVariableStatement(s)) return s.declarationList.declarations.map((d) => d.name.getText(file));
    if (ts.isClassDeclaration(s) && s.name) return [s.name.text];
    return [];
  });
}

describe("end-to-end encryption core (page): web/js/ece.js in Chromium", function () {
  this.timeout(120_000);
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    const browser = await sharedChromium();
    context = await browser.newContext();
    page = await context.newPage();
    // A loopback origin is a secure context (WebCrypto exists only there); the page is served by the route
    // itself, so no server runs.
    const origin = "http://127.0.0.1:9";
    await page.route(`${origin}/**`, (route) =>
      route.fulfill({ contentType: "text/html", body: "<!doctype html><title>ece</title>" }),
    );
    await page.goto(`${origin}/ece`);
    const script = [
      '(function () {\n"use strict";',
      read("js/auth.js"),
      read(ECE_FILE),
      `window.ece = { ${EXPORTS.join(", ")} };`,
      "})();",
    ].join("\n");
    await page.addScriptTag({ content: script });
  });
  after(() => context?.close());

  /** Decrypts `cipher` in the page, fed in pieces of `piece` bytes; the plaintext that came out, and the error. */
  async function pageDecrypt(key: Buffer, cipher: Buffer, piece = 7001): Promise<{ out: Buffer; error?: string }> {
    const got = await page.evaluate(
      async ([key64, cipher64, piece]) => {
        const bytes = (t: string) => Uint8Array.from(atob(t), (c) => c.charCodeAt(0));
        const all = bytes(cipher64);
        const ece = (window as unknown as { ece: PageEce }).ece;
        let at = 0;
        const source = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (at >= all.length) return controller.close();
            controller.enqueue(all.slice(at, at + piece));
            at += piece;
          },
        });
        const reader = source.pipeThrough(ece.eceDecryptStream(bytes(key64))).getReader();
        let out = "";
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            for (const b of value) out += String.fromCharCode(b);
          }
          return { out: btoa(out), error: undefined };
        } catch (e) {
          return { out: btoa(out), error: `${(e as Error).name}: ${(e as Error).message}` };
        }
      },
      [b64(key), b64(cipher), piece] as const,
    );
    return { out: Buffer.from(got.out, "base64"), error: got.error };
  }

  /** The encrypted bytes the page makes of `plain` with `salt`, as parts of `partSize` made last first. */
  async function pageEncrypt(key: Buffer, salt: Buffer, plain: Buffer, partSize?: number): Promise<Buffer> {
    const got = await page.evaluate(
      async ([key64, salt64, plain64, partSize]) => {
        const bytes = (t: string) => Uint8Array.from(atob(t), (c) => c.charCodeAt(0));
        const ece = (window as unknown as { ece: PageEce }).ece;
        const plain = bytes(plain64);
        const size = plain.length;
        const keys = await ece.eceFileKeys(bytes(key64), bytes(salt64));
        const total = ece.eceEncryptedSize(size);
        const step = partSize || total;
        const parts: Uint8Array[] = [];
        for (let start = Math.floor((total - 1) / step) * step; start >= 0; start -= step) {
          const end = Math.min(total, start + step);
          const range = ece.ecePlainRange(size, start, end) as { start: number; end: number };
          const part = (await ece.eceEncryptPart(
            keys,
            size,
            plain.slice(range.start, range.end),
            start,
            end,
          )) as Uint8Array;
          parts.unshift(part);
        }
        let text = "";
        for (const part of parts) for (const b of part) text += String.fromCharCode(b);
        return btoa(text);
      },
      [b64(key), b64(salt), b64(plain), partSize ?? 0] as const,
    );
    return Buffer.from(got, "base64");
  }

  const call = <T>(name: string, ...args: unknown[]): Promise<T> =>
    page.evaluate(
      async ([name, args]) => {
        const ece = (window as unknown as { ece: Record<string, (...a: unknown[]) => unknown> }).ece;
        const revive = (a: unknown) =>
          typeof a === "object" && a !== null && "bytes" in a
            ? Uint8Array.from(atob((a as { bytes: string }).bytes), (c) => c.charCodeAt(0))
            : a;
        try {
          const value = await ece[name as string]!(...(args as unknown[]).map(revive));
          if (value instanceof Uint8Array) return { value: { bytes: btoa(String.fromCharCode(...value)) } };
          return { value };
        } catch (e) {
          return { error: `${(e as Error).name}: ${(e as Error).message}` };
        }
      },
      [name, args.map((a) => (Buffer.isBuffer(a) ? { bytes: a.toString("base64") } : a))] as const,
    ) as Promise<T>;

  it("loads with the page's scripts: none of its top-level names is declared by another page script", () => {
    const ours = topLevelNames(read(ECE_FILE));
    assert.ok(ours.includes("eceDecryptStream"));
    for (const other of SCRIPT_FILES.filter((f) => f !== ECE_FILE)) {
      const clash = topLevelNames(read(other)).filter((n) => ours.includes(n));
      assert.deepEqual(clash, [], `${other} declares ${clash.join(", ")} too`);
    }
  });

  it("decrypts RFC 8188 sections 3.1 and 3.2's examples", async () => {
    for (const example of [SECTION_3_1, SECTION_3_2]) {
      const { out, error } = await pageDecrypt(b64u(example.ikm), b64u(example.body), 4);
      assert.equal(error, undefined);
      assert.equal(out.toString("utf8"), example.plaintext);
    }
  });

  const SIZES = [0, 1, RECORD_PLAIN - 1, RECORD_PLAIN, RECORD_PLAIN + 1, 2 * RECORD_PLAIN + 1, 150_000];

  it("makes byte for byte what the CLI makes given the same salt, whole and in parts; http_ece decrypts it", async () => {
    const key = newShareKey();
    for (const size of SIZES) {
      const plain = randomBytes(size);
      const salt = randomBytes(16);
      const node = await nodeEncrypt(key, salt, plain);
      const whole = await pageEncrypt(key, salt, plain);
      assert.equal(whole.length, encryptedSize(size));
      assert.deepEqual(whole, node, `size ${size}`);
      assert.equal(await call("eceEncryptedSize", size).then((r) => (r as { value: number }).value), node.length);
      assert.deepEqual(httpEce.decrypt(whole, { version: "aes128gcm", key }), plain);
      for (const partSize of [5000, 100_000]) {
        assert.deepEqual(await pageEncrypt(key, salt, plain, partSize), node, `size ${size} parts ${partSize}`);
      }
    }
  });

  it("parts whose encrypted size falls on a part boundary ±1 join into the whole", async () => {
    const key = newShareKey();
    const partSize = 100_000;
    const onBoundary = plainSize(2 * partSize) as number;
    assert.ok(onBoundary !== undefined, "2 parts of 100000 bytes is an encrypted size");
    for (const size of [onBoundary - 1, onBoundary, onBoundary + 1]) {
      const plain = randomBytes(size);
      const salt = randomBytes(16);
      assert.deepEqual(await pageEncrypt(key, salt, plain, partSize), await nodeEncrypt(key, salt, plain));
    }
  });

  it("decrypts what the CLI and http_ece make (other record sizes, padding, a key id)", async () => {
    const key = newShareKey();
    const plain = randomBytes(140_000);
    const ours = await pageDecrypt(key, await nodeEncrypt(key, randomBytes(16), plain), 65_537);
    assert.equal(ours.error, undefined);
    assert.deepEqual(ours.out, plain);
    const theirs = httpEce.encrypt(plain, { version: "aes128gcm", key, rs: 4096, pad: 5000, keyid: "someone" });
    const fromThem = await pageDecrypt(key, theirs, 1000);
    assert.equal(fromThem.error, undefined);
    assert.deepEqual(fromThem.out, plain);
  });

  describe("refuses tampering and lets out no byte of a failing record", () => {
    const key = newShareKey();
    const plain = randomBytes(3 * RECORD_PLAIN + 1000);
    let cipher: Buffer;
    before(async () => (cipher = await nodeEncrypt(key, randomBytes(16), plain)));
    const recordAt = (seq: number) => 21 + seq * RECORD_SIZE;
    const flip = (at: number) => {
      const copy = Buffer.from(cipher);
      copy[at] = (copy[at] as number) ^ 1;
      return copy;
    };
    const cases: [string, () => Buffer, number, RegExp][] = [
      ["a byte flipped in record 2", () => flip(recordAt(2) + 5), 2, /record 2 was changed/],
      ["cut on a record boundary", () => cipher.subarray(0, recordAt(3)), 2, /truncated/],
      [
        "records 1 and 2 swapped",
        () =>
          Buffer.concat([
            cipher.subarray(0, recordAt(1)),
            cipher.subarray(recordAt(2), recordAt(3)),
            cipher.subarray(recordAt(1), recordAt(2)),
            cipher.subarray(recordAt(3)),
          ]),
        1,
        /record 1 was changed/,
      ],
      [
        "bytes appended after the last record",
        () => Buffer.concat([cipher, cipher.subarray(recordAt(3))]),
        3,
        /record 3 was changed/,
      ],
      ["the header alone", () => cipher.subarray(0, 21), 0, /truncated/],
    ];
    for (const [name, tamper, failing, why] of cases) {
      it(`${name}: an UntrustedError after only the records before it`, async () => {
        // Pieces of two records and a bit: the failing record is decrypted alongside good ones.
        const { out, error } = await pageDecrypt(key, tamper(), 2 * RECORD_SIZE + 100);
        assert.match(String(error), /^UntrustedError: The encrypted file cannot be trusted: /);
        assert.match(String(error), why);
        assert.deepEqual(out, plain.subarray(0, failing * RECORD_PLAIN));
      });
    }

    it("a wrong key: refused at the first record", async () => {
      const { out, error } = await pageDecrypt(newShareKey(), cipher);
      assert.match(String(error), /does not decrypt with the key in the link/);
      assert.equal(out.length, 0);
    });
  });

  describe("metadata and the key in the link", () => {
    const key = newShareKey();
    const meta = { fileName: 'Été/ünïcødé 📄 "quoted".pdf', contentType: "application/pdf", size: 48213 };

    it("the page's metadata is the CLI's byte for byte given the same nonce, and each reads the other's", async () => {
      const nonce = randomBytes(12);
      const fromPage = await call<{ value: string }>("encryptMetadata", key, meta, nonce);
      assert.equal(fromPage.value, encryptMetadata(key, meta, nonce));
      assert.deepEqual(decryptMetadata(key, fromPage.value), meta);
      const back = await call<{ value: unknown }>("decryptMetadata", key, encryptMetadata(key, meta));
      assert.deepEqual(back.value, meta);
    });

    it("refuses changed metadata and a wrong key", async () => {
      const text = encryptMetadata(key, meta);
      const changed = text.slice(0, 30) + (text[30] === "A" ? "B" : "A") + text.slice(31);
      for (const [k, t] of [
        [key, changed],
        [newShareKey(), text],
        [key, "not base64url!"],
      ] as const) {
        const got = await call<{ error?: string }>("decryptMetadata", k, t);
        assert.match(String(got.error), /^UntrustedError: The share's encrypted file name and type cannot be trusted/);
      }
    });

    it("refuses metadata over 4096 characters where the CLI does", async () => {
      let n = 1;
      const fits = (n: number) => {
        try {
          encryptMetadata(key, { ...meta, fileName: "n".repeat(n) });
          return true;
        } catch {
          return false;
        }
      };
      while (fits(n + 1)) n++;
      const nonce = randomBytes(12);
      const largest = await call<{ value?: string }>(
        "encryptMetadata",
        key,
        { ...meta, fileName: "n".repeat(n) },
        nonce,
      );
      assert.ok(largest.value && largest.value.length <= 4096);
      const over = await call<{ error?: string }>("encryptMetadata", key, { ...meta, fileName: "n".repeat(n + 1) });
      assert.match(String(over.error), /more than the 4096 a share may carry/);
    });

    it("reads the CLI's fragment and refuses what the CLI refuses, with the same message", async () => {
      const fragment = keyToFragment(key);
      const read = await call<{ value: { bytes: string } }>("shareKeyFromFragment", fragment);
      assert.deepEqual(Buffer.from(read.value.bytes, "base64"), key);
      assert.equal((await call<{ value: string }>("shareKeyToFragment", key)).value, fragment);
      for (const bad of [fragment.slice(1), fragment + "A", fragment.slice(0, -1) + "B", "", fragment + "=="]) {
        const got = await call<{ error?: string }>("shareKeyFromFragment", bad);
        assert.equal(
          got.error,
          'ShareKeyError: The key in the link (the part after "#") must be 22 characters of base64url (16 bytes); copy the whole link again.',
          JSON.stringify(bad),
        );
      }
    });
  });
});
