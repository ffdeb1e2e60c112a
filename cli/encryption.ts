// End-to-end encryption as the commands see it (docs/cli.md "Encrypted shares"): whether an upload is encrypted
// (--encrypt / --no-encrypt, the user's config.json, the stack's fileshare:encryption setting), and what a share
// looks like once its key has decrypted its names. The key itself travels only in the link's fragment: it is
// never put in a message, and only the final link printed on stdout carries it.
import { ENCRYPTION_CODING } from "../contract/encryption";
import { StackLimits } from "./config";
import { decryptMetadata, decryptTitle } from "./crypto/metadata";
import { cliError, EXIT } from "./errors";

/** Whether to encrypt an upload. An explicit flag wins over the user's default; a stack that requires encryption
 *  gets it unless --no-encrypt was given (then the upload is refused before anything is sent: the stack would
 *  refuse it anyway, and a plain share the user did not choose must not appear); a stack where it is off refuses
 *  --encrypt (and a default to encrypt) with the setting named. */
export function chooseEncryption(
  flag: boolean | undefined,
  byDefault: boolean | undefined,
  mode: StackLimits["encryption"],
): boolean {
  const wanted = flag ?? byDefault ?? false;
  if (mode === "required") {
    if (flag === false) {
      throw cliError(
        EXIT.refused,
        "This stack requires end-to-end encryption (its fileshare:encryption setting is required): leave out --no-encrypt. Nothing was sent.",
      );
    }
    return true;
  }
  if (wanted && mode === "off") {
    const why = flag === true ? "--encrypt" : 'config.json\'s "encrypt": true';
    throw cliError(
      EXIT.refused,
      `This stack does not accept encrypted shares (its fileshare:encryption setting is off), so ${why} cannot be honoured: pass --no-encrypt to share without encryption. Nothing was sent.`,
    );
  }
  return wanted;
}

/** Whether GET /files/{id}'s answer is an encrypted share. */
export const isEncrypted = (info: { encryption?: unknown }) => info.encryption === ENCRYPTION_CODING;

/** An encrypted share needs the key from its link before anything else happens. */
export function requireKey(info: { encryption?: unknown }, key: Buffer | undefined): void {
  if (isEncrypted(info) && key === undefined) {
    throw cliError(
      EXIT.usage,
      'This share is end-to-end encrypted and the link has no key (the part after "#"): use the whole link as it was shared. Nothing was downloaded.',
    );
  }
}

/** One file of an answer, decrypted: its name, type and plaintext size in place of its encrypted metadata, and
 *  `encryptedSize`, the size stored (what the download checks). */
export interface OpenedFile {
  fileName?: unknown;
  contentType?: unknown;
  size?: unknown;
  encryptedSize?: unknown;
}

function openFile<T extends { encryptedMetadata?: unknown; size?: unknown }>(
  key: Buffer,
  f: T,
): Omit<T, "encryptedMetadata"> & OpenedFile {
  const { encryptedMetadata, ...rest } = f;
  if (typeof encryptedMetadata !== "string") return rest; // a password share before unlock has none
  const m = decryptMetadata(key, encryptedMetadata);
  return { ...rest, fileName: m.fileName, contentType: m.contentType, size: m.size, encryptedSize: f.size };
}

/** GET /files/{id}'s (or unlock's) answer with every name, type, size and the title decrypted (a wrong key or a
 *  changed field: CliError exit 5). A share that is not encrypted comes back as it is. */
export function openShare<
  T extends {
    encryption?: unknown;
    encryptedMetadata?: unknown;
    encryptedTitle?: unknown;
    size?: unknown;
    files?: unknown;
    totalSize?: unknown;
  },
>(info: T, key: Buffer | undefined): T {
  if (!isEncrypted(info) || key === undefined) return info;
  const { encryptedTitle, ...top } = openFile(key, info) as T & OpenedFile;
  const opened: Record<string, unknown> = { ...top };
  if (typeof encryptedTitle === "string") opened["title"] = decryptTitle(key, encryptedTitle);
  if (Array.isArray(info.files)) {
    const files = (info.files as unknown[]).map((f) =>
      typeof f === "object" && f !== null ? openFile(key, f as { encryptedMetadata?: unknown }) : f,
    );
    opened["files"] = files;
    // The total people care about is the plaintext's.
    const sizes = files.map((f) => (f as OpenedFile).size);
    if (sizes.every((s) => typeof s === "number")) {
      opened["totalSize"] = (sizes as number[]).reduce((a, b) => a + b, 0);
    }
  }
  return opened as T;
}
