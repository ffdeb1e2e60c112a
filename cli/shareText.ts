// A share as `fileshare info` and `fileshare list` print it for people; `--json` prints the API's own shape instead.
import { shown } from "./fileName";

/** The fields of GET /files/{id} (and of each GET /files entry) that are shown; all may be missing or mistyped in
 *  an answer from a server the CLI does not control, so each is checked before use. */
export interface ShareView {
  id?: unknown;
  fileName?: unknown;
  size?: unknown;
  status?: unknown;
  expiresAt?: unknown;
  downloadsRemaining?: unknown;
  passwordRequired?: unknown;
  recipients?: unknown;
  sha256?: unknown;
  shareUrl?: unknown;
  /** v1.2: a share of several files. */
  title?: unknown;
  fileCount?: unknown;
  totalSize?: unknown;
  files?: unknown;
  /** An encrypted share: "aes128gcm". Its encrypted fields are left as the API gave them when the link had no key. */
  encryption?: unknown;
  encryptedMetadata?: unknown;
  encryptedTitle?: unknown;
}

/** What is shown in place of a name the link's key would decrypt. */
const HIDDEN = "(encrypted: the link has no key)";

/** Bytes for people, in decimal units as disks and networks count them: "512 bytes", "3.4 MB", "1.07 GB". */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} byte${bytes === 1 ? "" : "s"}`;
  const [unit, scale] = bytes < 1e6 ? ["kB", 1e3] : bytes < 1e9 ? ["MB", 1e6] : ["GB", 1e9];
  const value = bytes / scale;
  return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ${unit}`;
}

/** How long until `expiresAt`, in the two largest units: "6 days 4 hours", "23 minutes", "expired". */
export function expiresIn(expiresAt: string, now: number): string {
  const ms = Date.parse(expiresAt);
  if (Number.isNaN(ms)) return "unknown";
  let seconds = Math.floor((ms - now) / 1000);
  if (seconds <= 0) return "expired";
  const parts: string[] = [];
  for (const [name, size] of [
    ["day", 86400],
    ["hour", 3600],
    ["minute", 60],
    ["second", 1],
  ] as const) {
    const n = Math.floor(seconds / size);
    seconds -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n} ${name}${n === 1 ? "" : "s"}`);
    if (parts.length === 2) break;
  }
  return parts.filter((p) => !p.startsWith("0 ")).join(" ");
}

/** The API's base64 SHA-256 as `sha256sum` prints it (64 lowercase hex digits); undefined when it is not one. */
export function sha256Hex(base64: string): string | undefined {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(base64)) return undefined;
  return Buffer.from(base64, "base64").toString("hex");
}

const text = (v: unknown) => (typeof v === "string" ? shown(v).slice(1, -1) : undefined);
const count = (v: unknown) => (typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : undefined);

/** A share of several files' own lines: its files, one a line (size, type, status, name), names as the API
 *  gave them (escaped); a password share shows sizes and states only until the password is given. */
function describeFiles(files: readonly unknown[], hidden: boolean): string {
  return files
    .map((f) => {
      const file = (typeof f === "object" && f !== null ? f : {}) as Record<string, unknown>;
      const bytes = count(file["size"]);
      const status = file["status"] === "pending" ? "not uploaded yet" : (text(file["status"]) ?? "unknown");
      const reason =
        file["status"] === "rejected" && typeof file["reason"] === "string" ? ` (${text(file["reason"])})` : "";
      const cells = [
        (bytes === undefined ? "?" : formatSize(bytes)).padStart(10),
        (text(file["contentType"]) ?? "").padEnd(24),
        `${status}${reason}`.padEnd(16),
        text(file["fileName"]) ??
          `file ${count(file["file"]) ?? "?"} ${hidden ? HIDDEN : "(name shown once the password is given)"}`,
      ];
      return `  ${cells.join("  ").trimEnd()}\n`;
    })
    .join("");
}

/** One share as labelled lines; a share of several files adds its title, count and total, then its files. */
export function describeShare(share: ShareView, now = Date.now(), withFiles = true): string {
  const files = Array.isArray(share.files) ? share.files : undefined;
  const several = files !== undefined && (files.length > 1 || (count(share.fileCount) ?? 1) > 1);
  const locked = share.passwordRequired === true;
  const encrypted = share.encryption === "aes128gcm";
  // Encrypted fields still there: the link had no key to decrypt them with (cli/encryption.ts's openShare).
  const hidden =
    encrypted &&
    (typeof share.encryptedMetadata === "string" ||
      typeof share.encryptedTitle === "string" ||
      (files ?? []).some((f) => typeof (f as { encryptedMetadata?: unknown } | null)?.encryptedMetadata === "string"));
  const size = count(share.size);
  const left = share.downloadsRemaining === null ? "unlimited" : count(share.downloadsRemaining);
  // Only the owner's GET /files entries name the recipients (docs/api.md); GET /files/{id} never does.
  const recipients = Array.isArray(share.recipients) ? share.recipients.map((r) => text(r) ?? "?") : undefined;
  const protections = [...(locked ? ["password"] : []), ...(recipients !== undefined ? ["named recipients"] : [])];
  const hash = typeof share.sha256 === "string" ? (sha256Hex(share.sha256) ?? "(not a SHA-256)") : undefined;
  const total = count(share.totalSize);
  const bytes = (n: number | undefined) =>
    n === undefined ? "unknown" : n < 1000 ? formatSize(n) : `${formatSize(n)} (${n} bytes)`;
  const rows: [string, string | undefined][] = [
    ...(several
      ? ([
          ["title", text(share.title) ?? (hidden ? HIDDEN : locked ? "(shown once the password is given)" : "(none)")],
          ["files", `${count(share.fileCount) ?? files?.length}, ${bytes(total)} in all`],
        ] as [string, string][])
      : ([
          [
            "name",
            text(share.fileName) ?? (hidden ? HIDDEN : locked ? "(shown once the password is given)" : "(none)"),
          ],
          ["size", hidden ? `${bytes(size)}, encrypted` : bytes(size)],
        ] as [string, string][])),
    ["status", share.status === "pending" ? "upload not finished" : text(share.status)],
    [
      "expires in",
      typeof share.expiresAt === "string" ? `${expiresIn(share.expiresAt, now)} (${text(share.expiresAt)})` : "unknown",
    ],
    ["downloads left", left === undefined ? "unknown" : String(left)],
    ["protection", protections.length > 0 ? protections.join(", ") : "no password"],
    [
      "encryption",
      !encrypted
        ? undefined
        : hidden
          ? 'end to end; names and types are hidden: the link has no key (the part after "#")'
          : locked
            ? "end to end"
            : "end to end (decrypted with the link's key)",
    ],
    [
      "recipients",
      recipients === undefined
        ? undefined
        : recipients.length > 5
          ? `${recipients.slice(0, 5).join(", ")} and ${recipients.length - 5} more`
          : recipients.join(", "),
    ],
    ["sha256", several ? undefined : (hash ?? (locked ? "(shown once the password is given)" : "(none recorded)"))],
    ["link", text(share.shareUrl)],
  ];
  const lines = rows
    .filter((r): r is [string, string] => r[1] !== undefined)
    .map(([label, value]) => `${`${label}:`.padEnd(16)}${value}\n`)
    .join("");
  return several && files !== undefined && withFiles ? `${lines}${describeFiles(files, hidden)}` : lines;
}

/** Several shares, a blank line between them. */
export function describeShares(shares: readonly ShareView[], now = Date.now()): string {
  return shares.length === 0 ? "No shares.\n" : shares.map((s) => describeShare(s, now, false)).join("\n");
}
