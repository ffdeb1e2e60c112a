// The command line of `npm start`: options, PORT and the FILESHARE_DATA_DIR / FILESHARE_MEMORY variables.
import { resolve } from "node:path";
import { StartupError } from "./errors";

export const DEFAULT_PORT = 3000;
/** Where `npm start` keeps its data unless told otherwise. */
export const DEFAULT_DATA_DIR = resolve(__dirname, "..", ".local-data");

/** What `--help` prints. */
export const USAGE = [
  "usage: npm start [-- --data-dir DIR | --memory | --help]",
  "",
  "  --data-dir DIR   keep files and records in DIR (default .local-data/; env FILESHARE_DATA_DIR)",
  "  --memory         keep nothing: a throwaway run (env FILESHARE_MEMORY=1)",
  "  --help, -h       print this and exit",
  "",
  "environment:",
  "  PORT=3000                  where to listen on 127.0.0.1 (0 = any free port)",
  "  FILESHARE_<SETTING>=value  overrides fileshare:<setting> of Pulumi.dev.yaml, e.g. FILESHARE_MAX_FILE_SIZE_BYTES=1048576",
  "",
].join("\n");

export interface CommandLine {
  port: number;
  dataDir?: string;
  /** --help: print USAGE and exit 0, start nothing. */
  help?: true;
}

/** Reads PORT, --data-dir / FILESHARE_DATA_DIR, --memory / FILESHARE_MEMORY and --help. */
export function parseCommandLine(argv: readonly string[], env: Record<string, string | undefined>): CommandLine {
  let dataDir = env.FILESHARE_DATA_DIR || DEFAULT_DATA_DIR;
  let memory = env.FILESHARE_MEMORY === "1" || env.FILESHARE_MEMORY === "true";
  const folder = (value: string | undefined): string => {
    // An empty value would resolve to the current folder, and "--memory" after "--data-dir" is no folder name.
    if (value === undefined || value.trim() === "" || value.startsWith("-")) {
      throw new StartupError("--data-dir needs a folder: --data-dir DIR (or --data-dir=DIR), or use --memory.");
    }
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--memory") memory = true;
    else if (arg === "--data-dir") dataDir = folder(argv[++i]);
    else if (arg?.startsWith("--data-dir=")) dataDir = folder(arg.slice("--data-dir=".length));
    else if (arg === "--help" || arg === "-h") return { port: DEFAULT_PORT, help: true };
    else
      throw new StartupError(
        `unknown option ${JSON.stringify(arg)}: use --data-dir DIR or --memory (--help lists all).`,
      );
  }
  const portText = env.PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText.trim()) || port > 65535) {
    throw new StartupError(`PORT=${JSON.stringify(portText)} is not a port number: use 1-65535, or 0 for a free port.`);
  }
  return { port, dataDir: memory ? undefined : resolve(dataDir) };
}
