// Where `fileshare download LINK -o DIR` writes each file of a share: the share's names come from whoever
// uploaded them, through a server the CLI may not trust, so every name is checked before anything is written or
// a download is used, and every write stays inside DIR. A name that is not a relative path (absolute, "..", ".",
// an empty segment, a backslash), two names for one file (compared as case-insensitive file systems do), or a
// file that is also a folder of another refuse the whole share. Characters some system cannot hold (controls,
// bidi controls, `<>:"|?*`, a Windows device name, trailing dots and spaces, an over-long segment) are replaced
// per segment as for a single file (cli/fileName.ts), and said. On disk, no symbolic link is followed below DIR,
// and the file is created with O_EXCL, so a link planted in DIR (or a folder swapped for one) is never written through.
import { constants } from "node:fs";
import { FileHandle, lstat, mkdir, open, realpath, rm } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { cliError, EXIT } from "./errors";
import { PARTIAL_SUFFIX, safeSegment, shown } from "./fileName";

/** One file's place under DIR. */
export interface PlannedPath {
  /** The share's name, as the server gave it. */
  name: string;
  /** The path segments under DIR, each safe to create. */
  segments: string[];
  /** Whether a segment had to be changed to be safe. */
  changed: boolean;
}

/** The key two names collide under on macOS and Windows (case-insensitive, normalised). */
const collisionKey = (segments: readonly string[]) => segments.join("/").normalize("NFC").toLowerCase();

/** Why `name` is not a relative path, or undefined when it is one. */
function notRelative(name: unknown): string | undefined {
  if (typeof name !== "string" || name === "") return "no name";
  if (name.includes("\\")) return "it holds a backslash";
  if (name.startsWith("/")) return "it is an absolute path";
  const segments = name.split("/");
  if (segments.some((s) => s === "")) return "it has an empty folder name";
  if (segments.some((s) => s === "." || s === "..")) return 'it has a "." or ".." segment';
  return undefined;
}

/** The safe place of each name under DIR, in order; throws (nothing written, no download used) when any name is
 *  unsafe or two of them would land on one path. */
export function plannedPaths(names: readonly unknown[]): PlannedPath[] {
  const refuse = (name: unknown, why: string) =>
    cliError(
      EXIT.verification,
      `The share names a file ${typeof name === "string" ? shown(name) : "(no name)"}, which cannot be saved: ${why}. Nothing was downloaded.`,
    );
  const planned = names.map((name) => {
    const why = notRelative(name);
    if (why !== undefined) throw refuse(name, why);
    const raw = (name as string).split("/");
    const segments = raw.map(safeSegment);
    // A segment made only of what no system keeps (". .", "  ") is left with nothing.
    if (segments.some((s) => s === "")) throw refuse(name, "a folder or file name in it is empty once made safe");
    return { name: name as string, segments, changed: segments.some((s, i) => s !== raw[i]) };
  });
  const files = new Map<string, string>();
  const folders = new Map<string, string>();
  for (const p of planned) {
    const key = collisionKey(p.segments);
    const twin = files.get(key);
    if (twin !== undefined) throw refuse(p.name, `it lands on the same file as ${shown(twin)}`);
    files.set(key, p.name);
    for (let i = 1; i < p.segments.length; i++) folders.set(collisionKey(p.segments.slice(0, i)), p.name);
  }
  for (const [key, name] of files) {
    const inner = folders.get(key);
    if (inner !== undefined) throw refuse(name, `it is also a folder of ${shown(inner)}`);
  }
  return planned;
}

/** What is at `path`, without following a link. */
const entryAt = (path: string) => lstat(path).catch(() => undefined);

/** The folders of `segments` under `root` (created when missing), never through a link; the file's path. */
export async function makeFolders(root: string, segments: readonly string[]): Promise<string> {
  let at = root;
  for (const segment of segments.slice(0, -1)) {
    at = join(at, segment);
    let entry = await entryAt(at);
    if (entry === undefined) {
      await mkdir(at).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== "EEXIST") throw cliError(EXIT.usage, `Cannot create the folder ${at} (${e.code ?? e.message}).`);
      });
      entry = await entryAt(at);
    }
    if (entry?.isSymbolicLink()) {
      throw cliError(EXIT.exists, `${at} is a symbolic link; fileshare never writes through one: move it away.`);
    }
    if (!entry?.isDirectory()) throw cliError(EXIT.exists, `${at} exists and is not a folder: move it away.`);
  }
  return join(at, segments.at(-1) as string);
}

/** Whether `path` may be written: absent, or (with `force`) a regular file. */
export async function checkTarget(path: string, force: boolean): Promise<void> {
  const entry = await entryAt(path);
  if (entry === undefined) return;
  if (entry.isSymbolicLink()) {
    throw cliError(EXIT.exists, `${path} is a symbolic link; fileshare never writes through one: move it away.`);
  }
  if (!entry.isFile()) throw cliError(EXIT.exists, `${path} exists and is not a file: move it away.`);
  if (!force) throw cliError(EXIT.exists, `${path} exists; pass --force to overwrite it, or -o another folder.`);
}

/** Creates `path`'s partial file, never following a link, and checks (after the fact, so a folder swapped for a
 *  link meanwhile is caught) that it lies inside `rootReal` (the real path of DIR). */
export async function openPartial(rootReal: string, path: string): Promise<{ partial: string; handle: FileHandle }> {
  const partial = `${path}${PARTIAL_SUFFIX}`;
  // A partial file left by a killed run is ours to replace; rm removes a link itself, never its target.
  await rm(partial, { force: true }).catch(() => undefined);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  const handle = await open(partial, flags, 0o644).catch((e: NodeJS.ErrnoException) => {
    throw cliError(EXIT.usage, `Cannot write ${partial} (${e.code ?? e.message}); choose another folder with -o.`);
  });
  const where = relative(rootReal, await realpath(dirname(partial)));
  if (where === ".." || where.startsWith(`..${sep}`) || isAbsolute(where)) {
    await handle.close();
    await rm(partial, { force: true });
    throw cliError(EXIT.exists, `${partial} is not inside the folder asked for (a folder was replaced by a link).`);
  }
  return { partial, handle };
}
