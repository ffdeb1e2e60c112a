// The CLI's version, from one place: the nearest package.json above this file (cli/'s own when it has one, else
// the project's), so the sources, the compiled cli/dist/ and an installed package all report what they ship.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

export function cliVersion(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const version = (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version?: unknown }).version;
      if (typeof version === "string") return version;
    } catch {
      // no package.json here (or not one with a version): look one folder up
    }
    if (dirname(dir) === dir) return "unknown";
  }
}
