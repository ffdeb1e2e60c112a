// The names of a share's files as relative paths (docs/api.md v1.2 "Shares of several files"): what POST /shares
// accepts, and what a client checks before it asks. Every name must be a path a downloader can recreate inside the
// folder it chose, on any system: relative, no way up, and no two names that would land on the same file.
// Dependency-free: the server's handlers and the CLI both use it.

/** The one folder separator in a share's names. */
export const PATH_SEPARATOR = "/";

/** What is wrong with `name` as a path inside a share (it is already trimmed and NFC-normalised), or undefined. */
export function pathProblem(name: string): string | undefined {
  if (name.includes("\\")) return "must not contain \\ (separate folders with /)";
  if (name.startsWith(PATH_SEPARATOR)) return "must be a relative path (no leading /)";
  const segments = name.split(PATH_SEPARATOR);
  if (segments.some((s) => s === "")) return "must not have an empty folder name (// or a trailing /)";
  if (segments.some((s) => s === "." || s === "..")) return "must not have a . or .. folder";
  return undefined;
}

/**
 * The form in which two names are compared: NFC, then lower-cased (Unicode's default mapping, the same in every
 * locale), then NFC again. Case-insensitive because macOS and Windows file systems are: `Photo.jpg` and `photo.jpg`
 * would overwrite each other there.
 */
export function pathKey(name: string): string {
  return name.normalize("NFC").toLowerCase().normalize("NFC");
}

/** Two names of one share that cannot both be recreated: `index` clashes with the earlier `earlier`. */
export interface PathClash {
  index: number;
  earlier: number;
  /** `same`: the same name (compared by pathKey); `folder`: one is a folder that holds the other. */
  kind: "same" | "folder";
}

/** The first name (in list order) that clashes with an earlier one, or undefined when all can be recreated. The
 *  names must each pass pathProblem. Linear in the total length of the names. */
export function pathClash(names: readonly string[]): PathClash | undefined {
  const files = new Map<string, number>();
  const folders = new Map<string, number>();
  for (const [index, name] of names.entries()) {
    const key = pathKey(name);
    const same = files.get(key);
    if (same !== undefined) return { index, earlier: same, kind: "same" };
    const holds = folders.get(key);
    if (holds !== undefined) return { index, earlier: holds, kind: "folder" };
    const segments = key.split(PATH_SEPARATOR);
    const parents = segments.slice(1).map((_, i) => segments.slice(0, i + 1).join(PATH_SEPARATOR));
    for (const parent of parents) {
      const file = files.get(parent);
      if (file !== undefined) return { index, earlier: file, kind: "folder" };
    }
    files.set(key, index);
    for (const parent of parents) if (!folders.has(parent)) folders.set(parent, index);
  }
  return undefined;
}

/** A clash as an error message says it, naming both files by their place in the request (`files[i]`). */
export function describeClash(names: readonly string[], clash: PathClash): string {
  const [mine, theirs] = [JSON.stringify(names[clash.index]), JSON.stringify(names[clash.earlier])];
  return clash.kind === "same"
    ? `files[${clash.index}].fileName ${mine} is the name of files[${clash.earlier}] (${theirs}); names are compared ignoring case, so give each file its own name.`
    : `files[${clash.index}].fileName ${mine} and files[${clash.earlier}].fileName ${theirs} would be a file and a folder of the same name; rename one.`;
}
