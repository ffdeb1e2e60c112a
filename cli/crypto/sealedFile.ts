// A local file read as its encrypted bytes (docs/encryption.md): what an encrypted upload hashes and sends. Any
// range of the encrypted file is computed from the plaintext records under it, so parts are encrypted as they are
// read, in any order, and memory holds no more than the range asked for. Reads that follow each other (the usual
// case: 1 MiB chunks of a part) share the record that straddles them, so each record is encrypted once.
import { FileHandle, open } from "node:fs/promises";
import { cliError, EXIT } from "../errors";
import {
  encryptedSize,
  encryptRecord,
  encryptRecordInto,
  fileKeys,
  FileKeys,
  header,
  HEADER_SIZE,
  plainRangeOf,
  RECORD_PLAIN,
  RECORD_SIZE,
  TAG_SIZE,
} from "./ece";

/** What encrypts one file: the share's key and the file's own salt. */
export interface Sealing {
  key: Buffer;
  salt: Buffer;
}

/** The part of FileHandle the upload reads through: a plain file, or a file's encrypted bytes. */
export interface ByteReader {
  /** The bytes there are to read: the file's size, or its encrypted size. */
  readonly size: number;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

/** Opens `path` to read its bytes as they go up: as they are, or encrypted with `sealing`. */
export async function openBytes(path: string, sealing?: Sealing): Promise<ByteReader> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    if (sealing === undefined) {
      return {
        size,
        read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
        close: () => handle.close(),
      };
    }
    return new SealedReader(path, handle, fileKeys(sealing.key, sealing.salt), size);
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** The bytes [start, start+length) of `path` (encrypted with `sealing` when given), in chunks of up to `chunk`. */
export async function* byteChunks(
  path: string,
  sealing: Sealing | undefined,
  range: { start: number; length: number } | undefined,
  chunk = 1024 * 1024,
): AsyncGenerator<Buffer> {
  const reader = await openBytes(path, sealing);
  try {
    const start = range?.start ?? 0;
    const end = range === undefined ? reader.size : start + range.length;
    for (let at = start; at < end;) {
      const buffer = Buffer.allocUnsafe(Math.min(chunk, end - at));
      const { bytesRead } = await reader.read(buffer, 0, buffer.length, at);
      if (bytesRead === 0) throw shorter(path);
      yield buffer.subarray(0, bytesRead);
      at += bytesRead;
    }
  } finally {
    await reader.close();
  }
}

const shorter = (path: string) =>
  cliError(EXIT.refused, `${path} got shorter while it was being uploaded; run the command again.`);

class SealedReader implements ByteReader {
  readonly size: number;
  /** The last record made that the read ended inside: the next read starts in it when reads follow each other. */
  private kept: { seq: number; bytes: Buffer } | undefined;
  /** The plaintext of the last read, reused (reads are all about the same size). */
  private scratch = Buffer.alloc(0);

  constructor(
    private readonly path: string,
    private readonly handle: FileHandle,
    private readonly keys: FileKeys,
    private readonly plainSize: number,
  ) {
    this.size = encryptedSize(plainSize);
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    const end = Math.min(this.size, position + length);
    if (position >= end) return { bytesRead: 0 };
    const place = (bytes: Buffer, at: number) => {
      const from = Math.max(position, at);
      const to = Math.min(end, at + bytes.length);
      if (from < to) bytes.copy(buffer, offset + from - position, from - at, to - at);
    };
    if (position < HEADER_SIZE) place(header(this.keys), 0);
    if (end > HEADER_SIZE) {
      const range = plainRangeOf(this.plainSize, position, end);
      const first = range.start / RECORD_PLAIN;
      const last = Math.max(first, Math.ceil(range.end / RECORD_PLAIN) - 1);
      const reuse = this.kept?.seq === first ? this.kept.bytes : undefined;
      const plainStart = reuse === undefined ? range.start : Math.min(range.end, range.start + RECORD_PLAIN);
      const plain = await this.readPlain(plainStart, range.end - plainStart);
      const records = Math.max(1, Math.ceil(this.plainSize / RECORD_PLAIN));
      for (let seq = first; seq <= last; seq++) {
        const at = HEADER_SIZE + seq * RECORD_SIZE;
        if (seq === first && reuse !== undefined) {
          place(reuse, at);
          continue;
        }
        const from = seq * RECORD_PLAIN - plainStart;
        const slice = plain.subarray(from, Math.min(plain.length, from + RECORD_PLAIN));
        const isLast = seq === records - 1;
        if (at >= position && at + slice.length + 1 + TAG_SIZE <= end) {
          // Wholly inside this read: encrypted straight into place (most records).
          encryptRecordInto(this.keys, seq, slice, isLast, buffer, offset + at - position);
        } else {
          const bytes = encryptRecord(this.keys, seq, slice, isLast);
          place(bytes, at);
          this.kept = { seq, bytes };
        }
      }
    }
    return { bytesRead: end - position };
  }

  /** Exactly `length` plaintext bytes from `start`; a file that got shorter is refused. */
  private async readPlain(start: number, length: number): Promise<Buffer> {
    if (this.scratch.length < length) this.scratch = Buffer.allocUnsafe(length);
    const plain = this.scratch.subarray(0, length);
    for (let at = 0; at < length;) {
      const { bytesRead } = await this.handle.read(plain, at, length - at, start + at);
      if (bytesRead === 0) throw shorter(this.path);
      at += bytesRead;
    }
    return plain;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
