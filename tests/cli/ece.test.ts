// The CLI's end-to-end encryption core (cli/crypto/): RFC 8188 aes128gcm for file bytes, checked against the
// RFC's own examples and against http_ece (the RFC author's implementation, used by web-push) both ways; parts
// encrypted independently that join into the streamed file; decryption that refuses every kind of tampering
// without letting out a byte of the record that failed; the encrypted metadata and the link's key.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as httpEce from "http_ece";
import { MAX_ENCRYPTED_METADATA_CHARS } from "../../contract/encryption";
import { partLength } from "../../contract/parts";
import {
  decryptStream,
  encryptedSize,
  encryptPart,
  encryptRecord,
  encryptStream,
  fileKeys,
  HEADER_SIZE,
  newSalt,
  plainRangeOf,
  plainSize,
  RECORD_PLAIN,
  RECORD_SIZE,
} from "../../cli/crypto/ece";
import { decryptMetadata, encryptMetadata } from "../../cli/crypto/metadata";
import { keyFromFragment, keyFromLink, keyToFragment, linkWithKey, newShareKey } from "../../cli/crypto/shareKey";
import { isCliError } from "../../cli/errors";
import { SECTION_3_1, SECTION_3_2 } from "../support/rfc8188";

const b64u = (text: string) => Buffer.from(text, "base64url");

/** Runs `bytes` through a transform in pieces of `piece` bytes; resolves with the output, or rejects with the
 *  transform's error and the output it let out before failing. */
async function run(
  transform: Transform,
  bytes: Buffer,
  piece = 7001,
): Promise<{ out: Buffer; error?: Error & { exitCode?: number } }> {
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += piece) pieces.push(bytes.subarray(at, at + piece));
  const out: Buffer[] = [];
  try {
    await pipeline(Readable.from(pieces), transform, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) out.push(chunk);
    });
    return { out: Buffer.concat(out) };
  } catch (error) {
    return { out: Buffer.concat(out), error: error as Error };
  }
}

async function encrypt(key: Buffer, salt: Buffer, plain: Buffer): Promise<Buffer> {
  const { out, error } = await run(encryptStream(fileKeys(key, salt)), plain);
  assert.equal(error, undefined);
  return out;
}

/** Sizes around record boundaries. */
const SIZES = [0, 1, RECORD_PLAIN - 1, RECORD_PLAIN, RECORD_PLAIN + 1, 2 * RECORD_PLAIN, 2 * RECORD_PLAIN + 1, 200_000];

describe("end-to-end encryption core (CLI): RFC 8188 aes128gcm", function () {
  this.timeout(60_000);

  describe("the RFC's published examples", () => {
    it("decrypts section 3.1's example (one record, rs 4096)", async () => {
      const { out, error } = await run(decryptStream(b64u(SECTION_3_1.ikm)), b64u(SECTION_3_1.body), 5);
      assert.equal(error, undefined);
      assert.equal(out.toString("utf8"), SECTION_3_1.plaintext);
    });

    it("reproduces section 3.1's record byte for byte from its key and salt (only the header's rs differs)", () => {
      const body = b64u(SECTION_3_1.body);
      const keys = fileKeys(b64u(SECTION_3_1.ikm), body.subarray(0, 16));
      const record = encryptRecord(keys, 0, Buffer.from(SECTION_3_1.plaintext), true);
      assert.deepEqual(record, body.subarray(HEADER_SIZE));
    });

    it("decrypts section 3.2's example (two records of rs 25, key id a1, a padded first record)", async () => {
      const { out, error } = await run(decryptStream(b64u(SECTION_3_2.ikm)), b64u(SECTION_3_2.body), 3);
      assert.equal(error, undefined);
      assert.equal(out.toString("utf8"), SECTION_3_2.plaintext);
    });
  });

  describe("sizes", () => {
    it("encryptedSize is the streamed output's exact length, and plainSize inverts it", async () => {
      const key = newShareKey();
      for (const size of SIZES) {
        const out = await encrypt(key, newSalt(), randomBytes(size));
        assert.equal(encryptedSize(size), out.length, `size ${size}`);
        assert.equal(plainSize(out.length), size, `size ${size}`);
      }
      // Hand-computed: header 21, one record of 0 bytes + delimiter + tag; a full record is exactly rs.
      assert.equal(encryptedSize(0), 38);
      assert.equal(encryptedSize(RECORD_PLAIN), HEADER_SIZE + RECORD_SIZE);
      assert.equal(encryptedSize(RECORD_PLAIN + 1), HEADER_SIZE + RECORD_SIZE + 18);
      assert.equal(plainSize(37), undefined);
      assert.equal(plainSize(HEADER_SIZE + RECORD_SIZE + 17), undefined, "an empty record after a full one");
    });

    it("the header says salt, rs 65536 and an empty key id", async () => {
      const salt = newSalt();
      const out = await encrypt(newShareKey(), salt, Buffer.from("x"));
      assert.deepEqual(out.subarray(0, 16), salt);
      assert.equal(out.readUInt32BE(16), 65536);
      assert.equal(out[20], 0);
    });
  });

  describe("interoperability with http_ece", () => {
    it("http_ece decrypts what encryptStream makes, and makes the same bytes given the same salt", async () => {
      const key = newShareKey();
      for (const size of SIZES) {
        const plain = randomBytes(size);
        const salt = newSalt();
        const ours = await encrypt(key, salt, plain);
        assert.deepEqual(httpEce.decrypt(ours, { version: "aes128gcm", key }), plain, `size ${size}`);
        assert.deepEqual(httpEce.encrypt(plain, { version: "aes128gcm", key, salt, rs: RECORD_SIZE }), ours);
      }
    });

    it("decryptStream decrypts what http_ece makes with other record sizes, padding and a key id", async () => {
      const key = newShareKey();
      for (const [size, rs, pad] of [
        [100_000, 4096, 0],
        [5000, 18, 0],
        [70_000, RECORD_SIZE, 3000],
        [0, 4096, 0],
      ] as const) {
        const plain = randomBytes(size);
        const theirs = httpEce.encrypt(plain, { version: "aes128gcm", key, rs, pad, keyid: "someone" });
        const { out, error } = await run(decryptStream(key), theirs, 1000);
        assert.equal(error, undefined, `size ${size} rs ${rs}`);
        assert.deepEqual(out, plain);
      }
    });
  });

  describe("multipart: parts encrypted on their own", () => {
    /** Every part of the encrypted file, each made only from the plaintext it names, last part first. */
    function partsOf(key: Buffer, salt: Buffer, plain: Buffer, partSize: number): Buffer[] {
      const cipherSize = encryptedSize(plain.length);
      const plan = { partSize, partCount: Math.ceil(cipherSize / partSize) };
      const parts: Buffer[] = [];
      for (let n = plan.partCount; n >= 1; n--) {
        const start = (n - 1) * partSize;
        const end = start + partLength(cipherSize, plan, n);
        const range = plainRangeOf(plain.length, start, end);
        // A copy, so a part cannot read past the plaintext it was given.
        const slice = Buffer.from(plain.subarray(range.start, range.end));
        parts[n - 1] = encryptPart(fileKeys(key, salt), plain.length, slice, start, end);
      }
      return parts;
    }

    // Part sizes smaller than a record, between one and two, and several records; plaintext sizes whose
    // encrypted size falls on, just before and just after a part boundary, and around record boundaries.
    for (const partSize of [5000, 100_000, 3 * RECORD_SIZE + 7]) {
      const aroundParts = [1, 2, 3].flatMap((k) => {
        const onBoundary = plainSize(k * partSize) ?? plainSize(k * partSize - 1);
        return onBoundary === undefined ? [] : [onBoundary - 1, onBoundary, onBoundary + 1];
      });
      const sizes = [...new Set([...SIZES, ...aroundParts])].sort((a, b) => a - b);
      it(`parts of ${partSize} bytes join into the streamed encryption (${sizes.length} sizes)`, async () => {
        const key = newShareKey();
        for (const size of sizes) {
          const plain = randomBytes(size);
          const salt = newSalt();
          const parts = partsOf(key, salt, plain, partSize);
          assert.deepEqual(Buffer.concat(parts), await encrypt(key, salt, plain), `size ${size}`);
          const cipherSize = encryptedSize(size);
          assert.ok(parts.slice(0, -1).every((p) => p.length === partSize));
          assert.ok(cipherSize % partSize === 0 || parts.at(-1)?.length === cipherSize % partSize);
        }
      });
    }

    it("the sizes tried include encrypted sizes exactly on a part boundary", () => {
      // 5000-byte parts: the encrypted size of 4962 bytes is 5000 (one record: 21 + 4962 + 17).
      assert.equal(encryptedSize(4962), 5000);
    });

    it("refuses plaintext that is not the range the part needs", () => {
      const keys = fileKeys(newShareKey(), newSalt());
      assert.throws(() => encryptPart(keys, 200_000, Buffer.alloc(10), 0, 5000), /need plaintext 0\.\.65519/);
      assert.throws(() => encryptPart(keys, 10, Buffer.alloc(10), 0, 1000), /no encrypted bytes 0\.\.1000/);
    });
  });

  describe("decryption refuses tampering and lets out no byte of a failing record", () => {
    const key = newShareKey();
    const plain = randomBytes(3 * RECORD_PLAIN + 1000); // four records, the last short
    let cipher: Buffer;
    before(async () => (cipher = await encrypt(key, newSalt(), plain)));
    const recordAt = (seq: number) => HEADER_SIZE + seq * RECORD_SIZE;

    const cases: [string, () => Buffer, number][] = [
      ["a byte flipped in the salt", () => flip(cipher, 3), 0],
      ["a byte flipped in record 0", () => flip(cipher, recordAt(0) + 10), 0],
      ["a byte flipped in record 2's tag", () => flip(cipher, recordAt(3) - 1), 2],
      ["a byte flipped in the last record", () => flip(cipher, cipher.length - 20), 3],
      ["the last record cut off (ends on a record boundary)", () => cipher.subarray(0, recordAt(3)), 2],
      ["cut inside the last record", () => cipher.subarray(0, cipher.length - 5), 3],
      ["cut inside record 1", () => cipher.subarray(0, recordAt(1) + 1000), 1],
      ["record 1 left out", () => Buffer.concat([cipher.subarray(0, recordAt(1)), cipher.subarray(recordAt(2))]), 1],
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
      ],
      ["a record appended after the last", () => Buffer.concat([cipher, cipher.subarray(recordAt(1))]), 3],
      ["the header alone", () => cipher.subarray(0, HEADER_SIZE), 0],
      ["nothing at all", () => Buffer.alloc(0), 0],
    ];
    for (const [name, tamper, failing] of cases) {
      it(`${name}: fails with exit 5 after only the records before it`, async () => {
        const { out, error } = await run(decryptStream(key), tamper());
        assert.ok(error && isCliError(error), `fails with a CliError: ${error}`);
        assert.equal(error.exitCode, 5);
        assert.match(error.message, /^The encrypted file cannot be trusted: /);
        assert.deepEqual(out, plain.subarray(0, failing * RECORD_PLAIN), "only whole verified records came out");
      });
    }

    it("a wrong key: fails on the first record, saying so", async () => {
      const { out, error } = await run(decryptStream(newShareKey()), cipher);
      assert.match(String(error?.message), /does not decrypt with the key in the link/);
      assert.equal(out.length, 0);
    });

    it("a record after a full-size last record: refused as a record marked last before the end", async () => {
      const exact = randomBytes(2 * RECORD_PLAIN); // two full records, the second marked last
      const whole = await encrypt(key, newSalt(), exact);
      const { out, error } = await run(decryptStream(key), Buffer.concat([whole, whole.subarray(recordAt(0))]));
      assert.match(String(error?.message), /record 1 is marked last/);
      assert.deepEqual(out, exact.subarray(0, RECORD_PLAIN));
    });

    it("a header claiming records larger than ours is refused before anything is buffered", async () => {
      const big = Buffer.from(cipher);
      big.writeUInt32BE(RECORD_SIZE + 1, 16);
      const { error } = await run(decryptStream(key), big);
      assert.match(String(error?.message), /record size of 65537 bytes/);
    });

    it("the untampered file decrypts, whatever the pieces it arrives in", async () => {
      for (const piece of [21, 1000, RECORD_SIZE, RECORD_SIZE + 1, 1 << 20]) {
        const { out, error } = await run(decryptStream(key), cipher, piece);
        assert.equal(error, undefined);
        assert.deepEqual(out, plain);
      }
      const small = randomBytes(100);
      const byteByByte = await run(decryptStream(key), await encrypt(key, newSalt(), small), 1);
      assert.deepEqual(byteByByte.out, small);
    });
  });

  describe("encrypted metadata", () => {
    const key = newShareKey();
    const meta = { fileName: "Rapport 2026 – été/ünïcødé 📄.pdf", contentType: "application/pdf", size: 48213 };

    it("round-trips, with a fresh nonce each time", () => {
      const a = encryptMetadata(key, meta);
      const b = encryptMetadata(key, meta);
      assert.notEqual(a, b);
      assert.match(a, /^[A-Za-z0-9_-]+$/);
      assert.deepEqual(decryptMetadata(key, a), meta);
    });

    it("refuses a flipped character, a wrong key, junk and too much, with exit 5", () => {
      const text = encryptMetadata(key, meta);
      const flipped = text.slice(0, 20) + (text[20] === "A" ? "B" : "A") + text.slice(21);
      for (const [k, t] of [
        [key, flipped],
        [newShareKey(), text],
        [key, "not base64url!"],
        [key, "AAAA"],
        [key, "A".repeat(MAX_ENCRYPTED_METADATA_CHARS + 1)],
      ] as const) {
        assert.throws(
          () => decryptMetadata(k, t),
          (e: unknown) => isCliError(e) && e.exitCode === 5 && /cannot be trusted/.test(e.message),
        );
      }
    });

    it("refuses valid encryption of something that is not file metadata", () => {
      const nonce = randomBytes(12);
      const wrapped = encryptMetadata(key, { fileName: "", contentType: "x", size: 1 }, nonce);
      assert.throws(() => decryptMetadata(key, wrapped), /lacks a file name/);
    });

    it(`accepts metadata up to ${MAX_ENCRYPTED_METADATA_CHARS} characters and refuses one more, saying what to do`, () => {
      const textFor = (n: number) => encryptMetadata(key, { ...meta, fileName: "n".repeat(n) });
      const fits = (n: number) => {
        try {
          return textFor(n).length <= MAX_ENCRYPTED_METADATA_CHARS;
        } catch {
          return false;
        }
      };
      let n = 1;
      while (fits(n + 1)) n++;
      assert.ok(textFor(n).length > MAX_ENCRYPTED_METADATA_CHARS - 4, "the largest accepted is near the limit");
      assert.throws(
        () => textFor(n + 1),
        (e: unknown) =>
          isCliError(e) && e.exitCode === 2 && /more than the 4096 a share may carry: use a shorter/.test(e.message),
      );
    });
  });

  describe("the key in the link", () => {
    it("round-trips through the fragment, and the link carries it after #", () => {
      const key = newShareKey();
      const fragment = keyToFragment(key);
      assert.match(fragment, /^[A-Za-z0-9_-]{22}$/);
      assert.deepEqual(keyFromFragment(fragment), key);
      const link = linkWithKey("https://x.example/dev/files/abc", key);
      assert.equal(link, `https://x.example/dev/files/abc#${fragment}`);
      assert.deepEqual(keyFromLink(link), key);
      assert.equal(keyFromLink("https://x.example/dev/files/abc"), undefined);
      assert.equal(keyFromLink("https://x.example/dev/files/abc#"), undefined);
    });

    it("refuses anything but exactly 16 bytes of canonical base64url, with one message", () => {
      const good = keyToFragment(newShareKey());
      for (const bad of [
        good.slice(1),
        good + "A",
        good.slice(0, -1) + "B", // the last character carries bits beyond the 16th byte
        good.slice(0, -2) + "+/",
        good + "==",
        "",
        " ".repeat(22),
      ]) {
        assert.throws(
          () => keyFromFragment(bad),
          (e: unknown) =>
            isCliError(e) &&
            e.exitCode === 2 &&
            e.message ===
              'The key in the link (the part after "#") must be 22 characters of base64url (16 bytes); copy the whole link again.',
          JSON.stringify(bad),
        );
      }
    });
  });
});

function flip(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = (copy[at] as number) ^ 0x40;
  return copy;
}
