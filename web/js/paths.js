// The names of a share of several files (docs/api.md "Shares of several files"): every name must be a path a
// downloader can recreate on any system. The same rules as contract/paths.ts (the server and the CLI), in the
// page's words; tests/browser/paths-agree.test.ts runs one table of cases through both, so the page warns exactly
// when the server would refuse.
/* exported sharePathProblem */

/** What is wrong with one (trimmed, NFC) name as a path, in words for the person; "" when nothing is. */
function namePathProblem(name) {
  if (name.includes("\\")) return "has a \\ in it; folders are separated by / only.";
  if (name.startsWith("/")) return "starts with /; a name in a share is a path inside it.";
  const segments = name.split("/");
  if (segments.includes("")) return "has an empty folder name (a / at the end, or //).";
  if (segments.includes(".") || segments.includes("..")) return "has a . or .. folder in its path.";
  return "";
}

/** How two names are compared: NFC, Unicode's default lower case, NFC again (macOS and Windows ignore case). */
const pathKey = (name) => name.normalize("NFC").toLowerCase().normalize("NFC");

/** The first name that clashes with an earlier one: { index, earlier, kind: "same" | "folder" }, or null. */
function namesClash(names) {
  const files = new Map(); // key -> index
  const folders = new Map(); // folder key -> index of the first name inside it
  for (const [index, name] of names.entries()) {
    const key = pathKey(name);
    if (files.has(key)) return { index, earlier: files.get(key), kind: "same" };
    if (folders.has(key)) return { index, earlier: folders.get(key), kind: "folder" };
    const segments = key.split("/");
    const parents = segments.slice(1).map((_, i) => segments.slice(0, i + 1).join("/"));
    for (const parent of parents) {
      if (files.has(parent)) return { index, earlier: files.get(parent), kind: "folder" };
    }
    files.set(key, index);
    for (const parent of parents) if (!folders.has(parent)) folders.set(parent, index);
  }
  return null;
}

/**
 * The first problem with a share's names, as the server finds it (each name's own form first, then clashes): {
 * index, name, problem, earlier?, kind? } with `problem` a sentence about that name; null when all are fine. Names
 * are first trimmed and NFC-normalised, as the server keeps them.
 */
function sharePathProblem(names) {
  const clean = names.map((name) => String(name).trim().normalize("NFC"));
  for (const [index, name] of clean.entries()) {
    const problem = namePathProblem(name);
    if (problem) return { index, name, problem };
  }
  const clash = namesClash(clean);
  if (!clash) return null;
  const other = "\u201C" + clean[clash.earlier] + "\u201D";
  return Object.assign(clash, {
    name: clean[clash.index],
    problem:
      clash.kind === "same"
        ? "has the same name as " + other + " (capitals and small letters count as the same)."
        : "and " + other + " would be a file and a folder of the same name.",
  });
}
