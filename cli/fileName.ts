// The name a download is saved under when the user names only a folder: the share's file name, which comes from
// whoever uploaded it through a server the CLI may not trust, made safe to create on any platform.

// C0 and C1 controls, DEL, and the bidirectional controls that make a name read other than it is ("exe.pdf"
// written backwards): never in a saved name, and escaped when a name is shown on the terminal.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
// Characters Windows refuses in a name (path separators are handled before: only the last segment counts).
const RESERVED_CHARS = /[<>:"|?*]/g;
// Device names Windows opens instead of a file, with or without an extension ("CON", "nul.txt", "COM1 .log").
const DEVICE = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])\s*(\.|$)/i;

/** The suffix of the file a download is written to before it is checked and renamed into place. */
export const PARTIAL_SUFFIX = ".fileshare-partial";
/** File systems allow 255 bytes (ext4, APFS) or 255 UTF-16 units (NTFS) per name; the partial file's too. */
export const MAX_NAME_BYTES = 255 - PARTIAL_SUFFIX.length;

/** A safe base name for `name`: its last path segment, without leading dots (hidden files, "." and "..") and made
 *  safe by safeSegment; `fallback` when nothing is left. */
export function safeFileName(name: string, fallback: string): string {
  const last = name.split(/[/\\]/).pop() ?? "";
  return safeSegment(last.replace(/^[. ]+/, "")) || fallback;
}

/** One path segment made safe to create on any platform: control, bidi and reserved characters replaced by "_",
 *  without trailing dots and spaces (Windows drops them, so "." and ".." become ""), a Windows device name
 *  prefixed by "_", cut to MAX_NAME_BYTES keeping the extension; "" when nothing is left. Leading dots stay. */
export function safeSegment(segment: string): string {
  const replaced = segment.replace(CONTROL, "_").replace(RESERVED_CHARS, "_");
  const safe = truncate(replaced, MAX_NAME_BYTES).replace(/[. ]+$/, "");
  if (safe === "") return "";
  return DEVICE.test(safe) ? truncate(`_${safe}`, MAX_NAME_BYTES) : safe;
}

/** At most `max` UTF-8 bytes of `name`, whole characters only, keeping a short extension. */
function truncate(name: string, max: number): string {
  const bytes = (s: string) => Buffer.byteLength(s, "utf8");
  if (bytes(name) <= max) return name;
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 && bytes(name.slice(dot)) <= 16 ? name.slice(dot) : "";
  let stem = "";
  for (const ch of name.slice(0, name.length - ext.length)) {
    if (bytes(stem + ch) + bytes(ext) > max) break;
    stem += ch;
  }
  return stem + ext;
}

/** A name as it may be shown on a terminal: quoted, controls escaped, at most 100 characters. */
export function shown(name: string): string {
  const chars = [...name];
  const short = chars.length > 100 ? `${chars.slice(0, 100).join("")}…` : name;
  return `"${short.replace(/["\\]/g, "\\$&").replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
}
