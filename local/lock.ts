// The data folder of `npm start`: checked before use, readable by its owner only, and claimed by one process at
// a time.
import { access, chmod, constants, lstat, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { StartupError } from "./errors";

/** Owner-only modes: what the data folder's folders and files get, whatever the umask. */
export const DATA_DIR_MODE = 0o700;
export const DATA_FILE_MODE = 0o600;

/**
 * Makes sure the data folder exists, can be read and written, and that it and everything in it is its owner's
 * only (0700 folders, 0600 files: it holds everyone's files and records, and the servers' keys). A folder with
 * looser modes (an older version, a copy, a permissive umask) is tightened, with one line saying so.
 */
export async function prepareDataDir(
  dir: string,
  say: (line: string) => void = (l) => process.stdout.write(l),
): Promise<void> {
  const hint = "choose another with --data-dir DIR (or FILESHARE_DATA_DIR), or run with --memory";
  try {
    await mkdir(dir, { recursive: true, mode: DATA_DIR_MODE });
    await access(dir, constants.R_OK | constants.W_OK | constants.X_OK);
    const probe = join(dir, `.write-test-${process.pid}`);
    await writeFile(probe, "", { mode: DATA_FILE_MODE });
    await rm(probe);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new StartupError(`cannot use the data folder ${dir} (${code}): fix its permissions, or ${hint}.`);
  }
  const tightened = await tighten(dir);
  if (tightened > 0) {
    say(
      `fileshare: the data folder ${dir} was readable by other users (${tightened} entries): now its owner's only (folders 0700, files 0600).\n`,
    );
  }
}

/** Sets owner-only modes on `path` and everything under it (symbolic links are left alone); how many changed. */
async function tighten(path: string): Promise<number> {
  const stat = await lstat(path);
  if (stat.isSymbolicLink()) return 0;
  const wanted = stat.isDirectory() ? DATA_DIR_MODE : DATA_FILE_MODE;
  let changed = 0;
  if ((stat.mode & 0o777 & ~wanted) !== 0) {
    await chmod(path, stat.mode & 0o777 & wanted);
    changed++;
  }
  if (stat.isDirectory()) {
    for (const name of await readdir(path)) changed += await tighten(join(path, name));
  }
  return changed;
}

/** A process's start time (clock ticks since boot, field 22 of /proc/<pid>/stat); undefined without /proc. */
async function startTimeOf(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  // Field 2 (the command name, in parentheses) may hold spaces: count from the last ")". Field 3 is index 0.
  return stat?.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
}

/**
 * Whether the pid file's process still runs this program. A pid is reused once its process is gone, so a live
 * pid proves nothing by itself: the start time recorded with it must match, or (a file without one) the process
 * must be a fileshare at all. Where /proc is missing there is no telling: assume it is.
 */
async function holdsDataDir(pid: number, recordedStart: string | undefined): Promise<boolean> {
  if (!isAlive(pid)) return false;
  const started = await startTimeOf(pid);
  if (recordedStart !== undefined && started !== undefined) return started === recordedStart;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => undefined);
  return cmdline === undefined || cmdline.includes("local/start.js") || cmdline.includes("local/main");
}

/** The lock's file name inside the data folder. */
const PID_FILE = "fileshare.pid";

/** The pid of the fileshare holding the data folder now, or undefined if none runs on it. */
export async function runningHolder(dir: string): Promise<number | undefined> {
  const text = await readFile(join(dir, PID_FILE), "utf8").catch(() => "");
  const [pidText = "", recordedStart] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  return (await holdsDataDir(pid, recordedStart)) ? pid : undefined;
}

/**
 * Claims the data folder for this process (a pid file: "<pid> <start time>"), because the DynamoDB emulator's
 * store cannot be shared: a second server on the same folder would crash on its first request. A pid file left
 * by a process that is gone (or whose pid now belongs to another program) is taken over. Returns the release
 * function.
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const file = join(dir, PID_FILE);
  const claim = [process.pid, await startTimeOf(process.pid)].filter((v) => v !== undefined).join(" ");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, claim, { flag: "wx", mode: DATA_FILE_MODE });
      return () => rm(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const [pidText = "", recordedStart] = (await readFile(file, "utf8").catch(() => "")).trim().split(/\s+/);
      const pid = Number(pidText);
      if (Number.isSafeInteger(pid) && pid > 0 && (await holdsDataDir(pid, recordedStart))) {
        throw new StartupError(
          `the data folder ${dir} is in use by another fileshare (pid ${pid}): stop that one, or use --data-dir DIR or --memory. If no fileshare is running, delete ${file}.`,
        );
      }
      await rm(file, { force: true });
    }
  }
  throw new StartupError(`could not claim the data folder ${dir}; delete ${file} if no fileshare is running.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
