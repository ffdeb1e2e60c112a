// What `fileshare upload a.pdf photos/` sends: each argument is a file (shared under its own name) or a folder
// (every file in it, recursively, named by the folder's name and the path inside it, `/`-separated whatever the
// platform). Inside a folder, symbolic links are skipped (following one could send files from outside the folder
// or loop), hidden files and folders (names starting with ".") are skipped unless asked for (.git, .env, .ssh hold
// what people rarely mean to send), and so are empty files (a share holds no empty file) and sockets, pipes and
// devices; each skip is said. A file or folder named on the command line is always taken, link or not.
import { Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { cliError, EXIT } from "./errors";
import { shown } from "./fileName";

/** One file of the share: where it is here, and the name the share gives it. */
export interface LocalFile {
  path: string;
  name: string;
  size: number;
  mtimeMs: number;
}

export interface WalkOptions {
  /** Take hidden files and folders inside folders too. */
  hidden: boolean;
  /** Stop looking after this many files (more than the share may hold: the caller refuses them anyway). */
  stopAfter?: number;
  /** Where the skip lines go (stderr). */
  say: (line: string) => void;
}

/** The files the arguments name, in argument order, each folder's entries sorted by name. */
export async function walk(args: readonly string[], options: WalkOptions): Promise<LocalFile[]> {
  const files: LocalFile[] = [];
  const hidden: string[] = [];
  const full = () => options.stopAfter !== undefined && files.length > options.stopAfter;
  for (const arg of args) {
    if (full()) break;
    const info = await stat(arg).catch(() => undefined);
    if (info?.isFile()) {
      if (info.size === 0) throw cliError(EXIT.usage, `${arg} is empty; there is nothing to share.`);
      files.push({ path: arg, name: basename(arg), size: info.size, mtimeMs: info.mtimeMs });
    } else if (info?.isDirectory()) {
      const before = files.length;
      await walkFolder(arg, basename(resolve(arg)), files, hidden, options, full);
      if (files.length === before) throw cliError(EXIT.usage, `${arg} holds no file to share.`);
    } else {
      throw cliError(EXIT.usage, `${arg} is not a readable file or folder.`);
    }
  }
  if (hidden.length > 0) {
    const more = hidden.length > 1 ? ` and ${hidden.length - 1} more` : "";
    options.say(
      `fileshare: skipped hidden files and folders (names starting with "."): ${shown(hidden[0] as string)}${more}; pass --hidden to include them.`,
    );
  }
  return files;
}

async function walkFolder(
  folder: string,
  name: string,
  files: LocalFile[],
  hidden: string[],
  options: WalkOptions,
  full: () => boolean,
): Promise<void> {
  const entries: Dirent[] = await readdir(folder, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    throw cliError(EXIT.usage, `Cannot read the folder ${folder} (${e.code ?? e.message}); nothing was sent.`);
  });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (full()) return;
    const path = join(folder, entry.name);
    // The share's name: `/`-separated on every platform (a root folder "/" has no name of its own).
    const shared = name === "" ? entry.name : `${name}/${entry.name}`;
    if (entry.name.startsWith(".") && !options.hidden) {
      hidden.push(shared);
    } else if (entry.isSymbolicLink()) {
      options.say(`fileshare: skipping ${shown(shared)}: a symbolic link (links inside a folder are not followed).`);
    } else if (entry.isDirectory()) {
      await walkFolder(path, shared, files, hidden, options, full);
    } else if (entry.isFile()) {
      const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
        throw cliError(EXIT.usage, `Cannot read ${path} (${e.code ?? e.message}); nothing was sent.`);
      });
      if (info.size === 0) options.say(`fileshare: skipping ${shown(shared)}: empty (a share holds no empty file).`);
      else files.push({ path, name: shared, size: info.size, mtimeMs: info.mtimeMs });
    } else {
      options.say(`fileshare: skipping ${shown(shared)}: not a regular file (a socket, pipe or device).`);
    }
  }
}
