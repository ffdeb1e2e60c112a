// `fileshare upload - --name NAME`: standard input, spooled to a private temporary file first, because POST /uploads
// needs the size before the first byte goes up (and the SHA-256 too for a single PUT; docs/api.md), and a retried
// part is read again. The file lives in its own folder (mode
// 0700, the file 0600) under the system's temporary folder ($TMPDIR) and is deleted afterwards, on failure too, and
// on Ctrl-C (cli/main.ts removes what is in `spoolFolders`).
import { createWriteStream, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { cliError, EXIT } from "./errors";
import { formatSize } from "./shareText";

/** Folders holding a copy of standard input now. */
export const spoolFolders = new Set<string>();

/** `name` if it can be the share's file name and the spooled file's (a name, not a path), else a usage error. */
export function stdinName(name: string | undefined): string {
  if (name === undefined || name.trim() === "") {
    throw cliError(EXIT.usage, "upload - reads standard input and needs --name NAME, the file name the share shows.");
  }
  if (/[/\0]/.test(name) || name === "." || name === "..") {
    throw cliError(EXIT.usage, `--name ${JSON.stringify(name)} must be a file name, not a path.`);
  }
  return name;
}

/** Runs `use` with standard input saved as `<private folder>/<name>`, then deletes the copy. */
export async function withStdinFile<T>(
  name: string,
  maxBytes: number | undefined,
  use: (path: string) => Promise<T>,
  input: NodeJS.ReadableStream = process.stdin,
): Promise<T> {
  const folder = await mkdtemp(join(tmpdir(), "fileshare-stdin-"));
  spoolFolders.add(folder);
  try {
    const path = join(folder, name);
    let size = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        // Refused while reading: nothing the stack would turn away fills the disk first.
        if (maxBytes !== undefined && size > maxBytes) {
          done(
            cliError(
              EXIT.refused,
              `standard input is larger than this stack accepts (at most ${formatSize(maxBytes)}, its fileshare:maxFileSizeBytes setting); nothing was uploaded.`,
            ),
          );
        } else done(null, chunk);
      },
    });
    await pipeline(input, counted, createWriteStream(path, { flags: "wx", mode: 0o600 }));
    if (size === 0) throw cliError(EXIT.usage, "standard input is empty; there is nothing to share.");
    return await use(path);
  } finally {
    rmSync(folder, { recursive: true, force: true });
    spoolFolders.delete(folder);
  }
}
