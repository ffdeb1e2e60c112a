// The names of a share of several files (docs/api.md "Shares of several files"): every name must be a path a
// downloader can recreate on any system. The same rules as contract/paths.ts (the server and the CLI); one table of
// cases runs through both (tests/browser/paths-agree.test.ts), so the page warns exactly when the server refuses.
/* exported sharePathProblem */

/**
 * The first name of `names` that breaks a rule, as { index, name, problem } (problem: a sentence about that name,
 * naming the other one where two clash), or null when every name is fine. Names are compared as the server keeps
 * them: trimmed, NFC-normalised, and (for clashes) lower-cased, since macOS and Windows ignore case.
 */
function sharePathProblem(names) {
  const files = new Map(); // lower-cased name -> its index
  const folders = new Map(); // lower-cased folder path -> the index of a name inside it
  const clean = names.map((name) => String(name).trim().normalize("NFC"));
  for (let index = 0; index < clean.length; index++) {
    const name = clean[index];
    const found = (problem) => ({ index, name, problem });
    if (name.includes("\\")) return found("has a \\ in it; folders are separated by / only.");
    const segments = name.split("/");
    if (segments.includes("")) return found("has an empty folder name (a / at the start or end, or //).");
    if (segments.includes(".") || segments.includes("..")) return found("has a . or .. folder in its path.");
    const key = name.toLowerCase();
    if (files.has(key)) return found("is the same name as " + clean[files.get(key)] + " (case does not count).");
    if (folders.has(key)) return found("is also the folder of " + clean[folders.get(key)] + ".");
    for (let depth = 1; depth < segments.length; depth++) {
      const folder = segments.slice(0, depth).join("/").toLowerCase();
      if (files.has(folder)) return found("is inside " + clean[files.get(folder)] + ", which is a file.");
      if (!folders.has(folder)) folders.set(folder, index);
    }
    files.set(key, index);
  }
  return null;
}
