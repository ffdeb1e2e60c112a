// The data folder of `npm start`: checked before use, and claimed by one process at a time.
import { access, constants, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { StartupError } from "./errors";

/** Makes sure the data folder exists and can be read and written, or says what to do. */
export async function prepareDataDir(dir: string): Promise<void> {
  const hint = "choose another with --data-dir DIR (or FILESHARE_DATA_DIR), or run with --memory";
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.R_OK | constants.W_OK | constants.X_OK);
    const probe = join(dir, `.write-test-${process.pid}`);
    await writeFile(probe, "");
    await rm(probe);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new StartupError(`cannot use the data folder ${dir} (${code}): fix its permissions, or ${hint}.`);
  }
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
  return cmdline === undefined || cmdline.includes("local/main");
}

/**
 * Claims the data folder for this process (a pid file: "<pid> <start time>"), because the DynamoDB emulator's
 * store cannot be shared: a second server on the same folder would crash on its first request. A pid file left
 * by a process that is gone (or whose pid now belongs to another program) is taken over. Returns the release
 * function.
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const file = join(dir, "fileshare.pid");
  const claim = [process.pid, await startTimeOf(process.pid)].filter((v) => v !== undefined).join(" ");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, claim, { flag: "wx" });
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
