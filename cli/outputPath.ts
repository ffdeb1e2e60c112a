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
import { pathClash, pathProblem, PATH_SEPARATOR } from "../contract/paths";

/** One file's place under DIR. */
export interface PlannedPath {
  /** The share's name, as the server gave it. */
  name: string;
  /** The path segments under DIR, each safe to create. */
  segments: string[];
  /** Whether a segment had to be changed to be safe. */
  changed: boolean;
}

/** The safe place of each name under DIR, in order; throws (nothing written, no download used) when any name is
 *  unsafe or two of them would land on one path. The path rules are the API's own (contract/paths.ts): a server
 *  that keeps them sends nothing refused here. */
export function plannedPaths(names: readonly unknown[]): PlannedPath[] {
  const refuse = (name: unknown, why: string) =>
    cliError(
      EXIT.verification,
      `The share names a file ${typeof name === "string" ? shown(name) : "(no name)"}, which cannot be saved here: it ${why}. Nothing was downloaded.`,
    );
  const planned = names.map((name) => {
    if (typeof name !== "string" || name === "") throw refuse(name, "is not a name");
    const problem = pathProblem(name);
    if (problem !== undefined) throw refuse(name, problem);
    const raw = name.split(PATH_SEPARATOR);
    const segments = raw.map(safeSegment);
    // A segment made only of what no system keeps (". .", "  ") is left with nothing.
    if (segments.some((s) => s === "")) throw refuse(name, "has a folder or file name that is empty once made safe");
    return { name, segments, changed: segments.some((s, i) => s !== raw[i]) };
  });
  // Compared once made safe: "a:b" and "a_b" land on one file.
  const clash = pathClash(planned.map((p) => p.segments.join(PATH_SEPARATOR)));
  if (clash !== undefined) {
    const [mine, theirs] = [planned[clash.index], planned[clash.earlier]] as [PlannedPath, PlannedPath];
    throw refuse(
      mine.name,
      clash.kind === "same"
        ? `lands on the same file as ${shown(theirs.name)} (names are compared ignoring case)`
        : `and ${shown(theirs.name)} would be a file and a folder of the same name`,
    );
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
