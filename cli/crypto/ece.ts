// RFC 8188 "aes128gcm" content coding of a shared file's bytes (docs/encryption.md), with node:crypto only. The
// layout: a header (16-byte salt, record size as 4 bytes, key id length 0), then records of RECORD_SIZE bytes
// (the last may be shorter), each AES-128-GCM of up to RECORD_PLAIN plaintext bytes, a delimiter (1; 2 on the
// last record) and a 16-byte tag. A record's nonce depends only on its sequence number, so any record, and so
// any multipart part, can be encrypted on its own as soon as its plaintext is read (encryptPart).
// The page does the same with WebCrypto in web/js/ece.js; tests/cli/ece-interop.test.ts holds both to the RFC.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { Transform, TransformCallback } from "node:stream";
import { cliError, EXIT } from "../errors";

/** Bytes of one record on the wire (the header's "rs"). */
export const RECORD_SIZE = 65536;
export const TAG_SIZE = 16;
/** Plaintext bytes in every record but the last: the record less its tag and delimiter. */
export const RECORD_PLAIN = RECORD_SIZE - TAG_SIZE - 1;
/** Bytes of our header: salt, rs, idlen (the key id is empty). */
export const HEADER_SIZE = 21;
export const SALT_SIZE = 16;
/** The share key's length: AES-128's, and the input keying material of every derivation. */
export const KEY_SIZE = 16;
/** RFC 8188: a record size below 18 is invalid. Above ours, a decrypter would have to buffer more than the files
 *  we make ever need, on the word of a header anyone could have written. */
const MIN_RECORD_SIZE = 18;

const NONCE_SIZE = 12;
const DELIMITER = 1;
const LAST_DELIMITER = 2;

/** The content-encryption key and nonce base of one file (RFC 8188 section 2.2 and 2.3). */
export interface FileKeys {
  salt: Buffer;
  cek: Buffer;
  nonceBase: Buffer;
}

/** A fresh random salt: one per file, never reused with the same key. */
export const newSalt = (): Buffer => randomBytes(SALT_SIZE);

/** Derives a file's keys from the share key and the file's salt. */
export function fileKeys(shareKey: Uint8Array, salt: Uint8Array): FileKeys {
  if (shareKey.length !== KEY_SIZE) throw new Error(`the share key must be ${KEY_SIZE} bytes`);
  if (salt.length !== SALT_SIZE) throw new Error(`a salt must be ${SALT_SIZE} bytes`);
  const derive = (info: string, length: number) =>
    Buffer.from(hkdfSync("sha256", shareKey, salt, Buffer.from(`Content-Encoding: ${info}\0`), length));
  return { salt: Buffer.from(salt), cek: derive("aes128gcm", KEY_SIZE), nonceBase: derive("nonce", NONCE_SIZE) };
}

/** The nonce of record `seq`: the nonce base XOR the sequence number (96-bit big-endian; ours stay below 2^48). */
function nonce(keys: FileKeys, seq: number): Buffer {
  const out = Buffer.from(keys.nonceBase);
  let rest = seq;
  for (let i = NONCE_SIZE - 1; rest > 0; i--) {
    out[i] = (out[i] as number) ^ (rest % 256);
    rest = Math.floor(rest / 256);
  }
  return out;
}

/** Records in a file of `plainSize` bytes: at least one (an empty file is one empty last record). */
const recordCount = (plainSize: number) => Math.max(1, Math.ceil(plainSize / RECORD_PLAIN));

/** The exact size of the encrypted file: what POST /uploads declares, and what the parts plan cuts. */
export function encryptedSize(plainSize: number): number {
  if (!Number.isSafeInteger(plainSize) || plainSize < 0) throw new Error(`not a file size: ${plainSize}`);
  return HEADER_SIZE + plainSize + (TAG_SIZE + 1) * recordCount(plainSize);
}

/** The plaintext size of an encrypted file of `cipherSize` bytes made with our record size and empty key id, or
 *  undefined when no such file has that size. */
export function plainSize(cipherSize: number): number | undefined {
  const records = Math.ceil((cipherSize - HEADER_SIZE) / RECORD_SIZE);
  if (!Number.isSafeInteger(cipherSize) || records < 1) return undefined;
  const plain = cipherSize - HEADER_SIZE - (TAG_SIZE + 1) * records;
  return plain >= 0 && encryptedSize(plain) === cipherSize ? plain : undefined;
}

/** The header: salt, record size, empty key id. */
export function header(keys: FileKeys): Buffer {
  const out = Buffer.alloc(HEADER_SIZE);
  keys.salt.copy(out, 0);
  out.writeUInt32BE(RECORD_SIZE, SALT_SIZE);
  return out;
}

/** One record: the plaintext, its delimiter, encrypted, then the tag. */
export function encryptRecord(keys: FileKeys, seq: number, plain: Uint8Array, last: boolean): Buffer {
  const out = Buffer.allocUnsafe(plain.length + 1 + TAG_SIZE);
  encryptRecordInto(keys, seq, plain, last, out, 0);
  return out;
}

/** encryptRecord's bytes written into `out` at `at` (a part's buffer: no copy of its own). */
export function encryptRecordInto(
  keys: FileKeys,
  seq: number,
  plain: Uint8Array,
  last: boolean,
  out: Buffer,
  at: number,
): void {
  const cipher = createCipheriv("aes-128-gcm", keys.cek, nonce(keys, seq));
  let n = cipher.update(plain).copy(out, at);
  n += cipher.update(last ? LAST_MARK : MARK).copy(out, at + n);
  cipher.final();
  cipher.getAuthTag().copy(out, at + n);
}
const MARK = Buffer.of(DELIMITER);
const LAST_MARK = Buffer.of(LAST_DELIMITER);

/** The plaintext of one record, or a verification error. Nothing of a record is returned before its tag checks. */
export function decryptRecord(keys: FileKeys, seq: number, record: Uint8Array, last: boolean): Buffer {
  if (record.length <= TAG_SIZE) throw tampered(`record ${seq} is too short`);
  const decipher = createDecipheriv("aes-128-gcm", keys.cek, nonce(keys, seq));
  decipher.setAuthTag(record.subarray(record.length - TAG_SIZE));
  let padded: Buffer;
  try {
    padded = Buffer.concat([decipher.update(record.subarray(0, record.length - TAG_SIZE)), decipher.final()]);
  } catch {
    throw tampered(
      seq === 0
        ? "it does not decrypt with the key in the link (a wrong key, or the file was changed)"
        : `record ${seq} was changed`,
    );
  }
  // The delimiter is the last non-zero byte; zeros after it are padding (RFC 8188 section 2).
  let at = padded.length - 1;
  while (at >= 0 && padded[at] === 0) at--;
  if (at < 0) throw tampered(`record ${seq} has no delimiter`);
  if (padded[at] !== (last ? LAST_DELIMITER : DELIMITER)) {
    throw tampered(last ? "it is truncated (its last record is not marked last)" : `record ${seq} is marked last`);
  }
  return padded.subarray(0, at);
}

const tampered = (why: string) =>
  cliError(EXIT.verification, `The encrypted file cannot be trusted: ${why}. Nothing of it is kept.`);

/** The plaintext bytes [start, end) that the encrypted bytes [cipherStart, cipherEnd) of a file of `size`
 *  plaintext bytes are made from: whole records, so a part's neighbours read some of the same bytes. */
export function plainRangeOf(size: number, cipherStart: number, cipherEnd: number): { start: number; end: number } {
  if (!(0 <= cipherStart && cipherStart <= cipherEnd && cipherEnd <= encryptedSize(size))) {
    throw new Error(`no encrypted bytes ${cipherStart}..${cipherEnd} in a file of ${size} bytes`);
  }
  if (cipherEnd <= HEADER_SIZE) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, cipherStart - HEADER_SIZE) / RECORD_SIZE);
  const last = Math.floor((cipherEnd - 1 - HEADER_SIZE) / RECORD_SIZE);
  return { start: first * RECORD_PLAIN, end: Math.min(size, (last + 1) * RECORD_PLAIN) };
}

/** Exactly the encrypted bytes [cipherStart, cipherEnd) of a file of `size` plaintext bytes, given the plaintext
 *  bytes plainRangeOf names. Parts made this way, in any order or in parallel, join into encryptStream's output. */
export function encryptPart(
  keys: FileKeys,
  size: number,
  plain: Uint8Array,
  cipherStart: number,
  cipherEnd: number,
): Buffer {
  const range = plainRangeOf(size, cipherStart, cipherEnd);
  if (plain.length !== range.end - range.start) {
    throw new Error(`encrypted bytes ${cipherStart}..${cipherEnd} need plaintext ${range.start}..${range.end}`);
  }
  const out = Buffer.alloc(cipherEnd - cipherStart);
  /** Copies the encrypted bytes that sit at `offset` in the file into their place in the part. */
  const place = (bytes: Buffer, offset: number) => {
    const from = Math.max(cipherStart, offset);
    const to = Math.min(cipherEnd, offset + bytes.length);
    if (from < to) bytes.copy(out, from - cipherStart, from - offset, to - offset);
  };
  if (cipherStart < HEADER_SIZE) place(header(keys), 0);
  const records = recordCount(size);
  for (let at = range.start; at < range.end || (at === range.start && cipherEnd > HEADER_SIZE);) {
    const seq = at / RECORD_PLAIN;
    const end = Math.min(size, at + RECORD_PLAIN);
    const record = encryptRecord(keys, seq, plain.subarray(at - range.start, end - range.start), seq === records - 1);
    place(record, HEADER_SIZE + seq * RECORD_SIZE);
    at += RECORD_PLAIN;
  }
  return out;
}

/** Encrypts a stream of plaintext into the file's bytes: header, then records. */
export function encryptStream(keys: FileKeys): Transform {
  const pending = Buffer.alloc(RECORD_PLAIN);
  let filled = 0;
  let seq = 0;
  return new Transform({
    construct(callback) {
      this.push(header(keys));
      callback();
    },
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      for (let at = 0; at < chunk.length;) {
        // A full record goes out only once more bytes arrive: until then it might be the last.
        if (filled === RECORD_PLAIN) {
          this.push(encryptRecord(keys, seq++, pending, false));
          filled = 0;
        }
        const take = Math.min(chunk.length - at, RECORD_PLAIN - filled);
        chunk.copy(pending, filled, at, at + take);
        filled += take;
        at += take;
      }
      callback();
    },
    flush(callback) {
      this.push(encryptRecord(keys, seq, pending.subarray(0, filled), true));
      callback();
    },
  });
}

/** Decrypts an encrypted file's bytes into its plaintext, record by record. Each record is verified before any
 *  of its bytes go out; a changed, reordered, missing or extra record, a wrong key or a cut-off end fails the
 *  stream with a CliError (exit 5) and nothing more is written. The salt and record size come from the header
 *  (any RFC 8188 encrypter's file decrypts, with a record size up to ours). */
export function decryptStream(shareKey: Uint8Array): Transform {
  let keys: FileKeys | undefined;
  let recordSize = 0;
  /** Bytes of the header's key id still to skip: ours is empty, and the key comes from the link anyway. */
  let skip = 0;
  let buffered: Buffer[] = [];
  let length = 0;
  let seq = 0;
  const take = (n: number): Buffer => {
    const all = buffered.length === 1 ? (buffered[0] as Buffer) : Buffer.concat(buffered, length);
    buffered = n < all.length ? [all.subarray(n)] : [];
    length = all.length - n;
    return all.subarray(0, n);
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      buffered.push(chunk);
      length += chunk.length;
      try {
        if (keys === undefined) {
          if (length < HEADER_SIZE) return callback();
          const bytes = take(HEADER_SIZE);
          recordSize = bytes.readUInt32BE(SALT_SIZE);
          if (recordSize < MIN_RECORD_SIZE || recordSize > RECORD_SIZE) {
            throw tampered(`its header gives a record size of ${recordSize} bytes (18 to ${RECORD_SIZE} expected)`);
          }
          skip = bytes[SALT_SIZE + 4] as number;
          keys = fileKeys(shareKey, bytes.subarray(0, SALT_SIZE));
        }
        if (skip > 0) skip -= take(Math.min(skip, length)).length;
        // A full record is decrypted once more bytes follow it: until then it might be the last.
        while (skip === 0 && length > recordSize) this.push(decryptRecord(keys, seq++, take(recordSize), false));
        callback();
      } catch (e) {
        callback(e as Error);
      }
    },
    flush(callback) {
      try {
        if (keys === undefined || skip > 0 || length === 0) {
          throw tampered("it is truncated (it ends before its first record)");
        }
        this.push(decryptRecord(keys, seq, take(length), true));
        callback();
      } catch (e) {
        callback(e as Error);
      }
    },
  });
}
