// Builds the CLI to one plain-JavaScript file, dist/main.js, with esbuild. Bundling rather than tsc: the CLI
// imports modules shared with the rest of the project from outside cli/ (e.g. the OAuth exchange in contract/), and a
// bundle carries exactly what it imports, from wherever it lives, without mirroring the repository's folders
// into dist/. npm packages stay require() calls, installed from this package's "dependencies"; the build fails
// if the CLI would need any other (a shared module that pulls in the AWS SDK would break the installed command).
"use strict";
const { renameSync, mkdirSync, writeFileSync } = require("node:fs");
const { builtinModules } = require("node:module");
const { join } = require("node:path");
const esbuild = require("esbuild");

const OUT = join(__dirname, "dist", "main.js");

/** Builds dist/main.js; written to a temporary file and renamed, so a concurrent reader never sees half a file. */
function build() {
  const { dependencies } = require("./package.json");
  const result = esbuild.buildSync({
    entryPoints: [join(__dirname, "main.ts")],
    outfile: OUT,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    packages: "external",
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  const needed = Object.values(result.metafile.outputs)
    .flatMap((output) => output.imports)
    .filter((i) => i.external)
    .map((i) => i.path);
  const undeclared = needed.filter((path) => {
    const name = path.startsWith("@") ? path.split("/").slice(0, 2).join("/") : path.split("/")[0];
    return !builtinModules.includes(name.replace(/^node:/, "")) && !(name in dependencies);
  });
  if (undeclared.length > 0) {
    throw new Error(`the CLI imports packages missing from cli/package.json "dependencies": ${undeclared.join(", ")}`);
  }
  mkdirSync(join(__dirname, "dist"), { recursive: true });
  const temporary = `${OUT}.${process.pid}.tmp`;
  writeFileSync(temporary, result.outputFiles[0].contents);
  renameSync(temporary, OUT);
  return OUT;
}

module.exports = { build, OUT };

if (require.main === module) build();
