// Deploy time: the AWS SDK Lambda layer's files. The SDK names the handlers import are read from handlers/
// (never a hand-kept list), bundled by esbuild from the locked SDK versions into one minified, tree-shaken
// CommonJS file, and laid out where Pulumi's serialized code looks for them: its deep requires such as
// require("@aws-sdk/client-s3/dist-cjs/index.js") find thin stubs over the one shared bundle.
import { build, Plugin } from "esbuild";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, resolve } from "node:path";
import * as ts from "typescript";

const PROJECT = resolve(__dirname, "..");
/** Where the handlers live: every `@aws-sdk/*` name imported here goes into the layer. */
export const HANDLERS_DIR = join(PROJECT, "handlers");
/** The Node version the bundle's syntax targets: the functions' runtime (nodejs22.x). */
export const BUNDLE_TARGET = "node22";
/** Lambda unpacks a layer to /opt and puts /opt/nodejs/node_modules on NODE_PATH. */
export const LAYER_MODULES = "nodejs/node_modules";
/** The shared bundle: outside node_modules, so only the stubs (by relative path) can load it. */
export const BUNDLE_PATH = "nodejs/sdk-bundle.js";

/**
 * Credential providers the default chain imports only when AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not
 * set or AWS_PROFILE is. Lambda always sets the key variables (and never AWS_PROFILE), so the bundle swaps
 * these for stubs that fail loudly, instead of carrying STS/SSO clients that never run.
 */
export const LEFT_OUT_PACKAGES = [
  "@aws-sdk/credential-provider-http",
  "@aws-sdk/credential-provider-ini",
  "@aws-sdk/credential-provider-login",
  "@aws-sdk/credential-provider-process",
  "@aws-sdk/credential-provider-sso",
  "@aws-sdk/credential-provider-web-identity",
  "@smithy/credential-provider-imds",
] as const;

/** SDK package name -> the value names the handlers import from it, both sorted. */
export type SdkImports = ReadonlyMap<string, readonly string[]>;

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The TypeScript file a relative import names, if it is one (`./x` -> x.ts or x/index.ts). */
function localModule(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  return [`${base}.ts`, join(base, "index.ts")].find((f) => existsSync(f));
}

/** The `@aws-sdk/*` names imported (or re-exported) by the TypeScript files under `dir` and every local module
 *  they import (config/, ...: the serializer copies those in too), as written; type-only imports are skipped.
 *  A namespace or default import is refused: its names could not be listed. */
export function importedSdkNames(dir: string = HANDLERS_DIR): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const add = (pkg: string, name: string) => found.set(pkg, (found.get(pkg) ?? new Set()).add(name));
  const files = typeScriptFiles(dir);
  const seen = new Set(files);
  for (let file = files.shift(); file !== undefined; file = files.shift()) {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false);
    for (const statement of source.statements) {
      const from =
        (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier;
      if (!from || !ts.isStringLiteral(from)) continue;
      const typeOnly = ts.isImportDeclaration(statement) ? statement.importClause?.isTypeOnly : statement.isTypeOnly;
      if (from.text.startsWith(".")) {
        const local = typeOnly ? undefined : localModule(file, from.text);
        if (local && !seen.has(local)) {
          files.push(local);
          seen.add(local);
        }
        continue;
      }
      if (!from.text.startsWith("@aws-sdk/") || typeOnly) continue;
      const where = `${file}: import from "${from.text}"`;
      if (ts.isImportDeclaration(statement)) {
        const clause = statement.importClause;
        if (!clause) continue;
        if (clause.name || !clause.namedBindings || !ts.isNamedImports(clause.namedBindings)) {
          throw new Error(`${where}: import SDK names by name (import { X } from ...) so the layer can carry them`);
        }
        for (const el of clause.namedBindings.elements) {
          if (!el.isTypeOnly) add(from.text, (el.propertyName ?? el.name).text);
        }
      } else {
        if (!statement.exportClause || !ts.isNamedExports(statement.exportClause)) {
          throw new Error(`${where}: re-export SDK names by name (export { X } from ...) so the layer can carry them`);
        }
        for (const el of statement.exportClause.elements) {
          if (!el.isTypeOnly) add(from.text, (el.propertyName ?? el.name).text);
        }
      }
    }
  }
  return found;
}

/** The SDK names the handlers use at run time: the imported names that are values in the locked packages
 *  (interfaces such as S3ClientConfig have no value and need no code). A name the package lacks is an error. */
export function sdkImports(dir: string = HANDLERS_DIR): SdkImports {
  const out = new Map<string, string[]>();
  for (const [pkg, names] of [...importedSdkNames(dir)].sort(([a], [b]) => a.localeCompare(b))) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const values = require(require.resolve(pkg, { paths: [PROJECT] })) as Record<string, unknown>;
    const runtimeNames = [...names].filter((name) => values[name] !== undefined).sort();
    if (runtimeNames.length > 0) out.set(pkg, runtimeNames);
  }
  return out;
}

/** The locked version of an installed package (its package.json under the project's node_modules). */
function lockedVersion(pkg: string): string {
  return (JSON.parse(readFileSync(join(PROJECT, "node_modules", pkg, "package.json"), "utf8")) as { version: string })
    .version;
}

/** The bundle's entry: one object per SDK package holding exactly the imported names. */
export function bundleEntry(imports: SdkImports): string {
  const lines: string[] = [];
  const objects: string[] = [];
  let n = 0;
  for (const [pkg, names] of imports) {
    const locals = names.map((name) => [name, `$${n++}`] as const);
    lines.push(
      `import { ${locals.map(([name, local]) => `${name} as ${local}`).join(", ")} } from ${JSON.stringify(pkg)};`,
    );
    objects.push(`  ${JSON.stringify(pkg)}: { ${locals.map(([name, local]) => `${name}: ${local}`).join(", ")} },`);
  }
  return `${lines.join("\n")}\nexport const packages = {\n${objects.join("\n")}\n};\n`;
}

/** Replaces each left-out package with a module of the same export names: constants keep their values,
 *  functions throw an error that says why (the credential chain stops there: tryNextLink is false). */
const leaveOut: Plugin = {
  name: "leave-out-credential-providers",
  setup(b) {
    const filter = new RegExp(`^(${LEFT_OUT_PACKAGES.map((p) => p.replace(/[/-]/g, "\\$&")).join("|")})$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: "left-out" }));
    b.onLoad({ filter: /.*/, namespace: "left-out" }, (args) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const real = require(require.resolve(args.path, { paths: [PROJECT] })) as Record<string, unknown>;
      const message =
        `${args.path} is left out of the SDK layer: Lambda passes the function's credentials in ` +
        `AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; set them (and not AWS_PROFILE)`;
      const exports = Object.entries(real).map(([key, value]) =>
        typeof value === "function"
          ? `exports[${JSON.stringify(key)}] = leftOut;`
          : `exports[${JSON.stringify(key)}] = ${JSON.stringify(value) ?? "undefined"};`,
      );
      const contents = [
        `function leftOut() { const e = new Error(${JSON.stringify(message)}); e.tryNextLink = false; throw e; }`,
        ...exports,
      ].join("\n");
      return { contents, loader: "js" };
    });
  },
};

/** The SDK reads only `version` from its package.json files (for the User-Agent): bundle that alone,
 *  not the descriptions, scripts and dependency lists. */
const packageVersionsOnly: Plugin = {
  name: "package-json-version-only",
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/].*[\\/]package\.json$/ }, (args) => {
      const { name, version } = JSON.parse(readFileSync(args.path, "utf8")) as { name: string; version: string };
      return { contents: JSON.stringify({ name, version }), loader: "json" };
    });
  },
};

/** The bundle's code and the modules it leaves to Node (it must need nothing but Node's built-ins). */
export interface SdkBundle {
  code: string;
  externals: string[];
}

async function bundle(imports: SdkImports): Promise<SdkBundle> {
  const result = await build({
    stdin: { contents: bundleEntry(imports), resolveDir: PROJECT, sourcefile: "sdk-layer-entry.mjs", loader: "js" },
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "cjs",
    target: BUNDLE_TARGET,
    // The SDK's ES module builds (dist-es) can be tree-shaken; its CommonJS builds cannot.
    mainFields: ["module", "main"],
    minify: true,
    treeShaking: true,
    legalComments: "none",
    logLevel: "silent",
    plugins: [leaveOut, packageVersionsOnly],
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error("esbuild produced no SDK bundle");
  const imported = Object.values(result.metafile.outputs).flatMap((o) => o.imports);
  const externals = [...new Set(imported.filter((i) => i.external).map((i) => i.path))].sort();
  return { code: output.text, externals };
}

// One esbuild run per process for the same imports (the tests build both stacks in one process).
const bundles = new Map<string, Promise<SdkBundle>>();

/** Bundles `imports` with esbuild, in-process. */
export function bundleSdk(imports: SdkImports): Promise<SdkBundle> {
  const key = JSON.stringify([...imports]);
  let built = bundles.get(key);
  if (!built) bundles.set(key, (built = bundle(imports)));
  return built;
}

/** The layer: archive path -> file text. */
export type LayerFiles = Record<string, string>;

/** Bundles `imports` and lays the layer out: the bundle plus, per package, a `dist-cjs/index.js` stub (what
 *  Pulumi's serialized code requires) and a package.json naming it. Stops when the bundle needs any module
 *  but Node's own: in Lambda that module would come from the runtime's unpinned SDK, or not at all. */
export async function buildSdkLayer(imports: SdkImports = sdkImports()): Promise<LayerFiles> {
  if (imports.size === 0)
    throw new Error(`no @aws-sdk imports found under ${HANDLERS_DIR}: nothing to put in the layer`);
  const { code, externals } = await bundleSdk(imports);
  const builtins = new Set(builtinModules);
  const outside = externals.filter((m) => !m.startsWith("node:") && !builtins.has(m));
  if (outside.length > 0) throw new Error(`the SDK bundle would need ${outside.join(", ")} from outside the layer`);
  const files: LayerFiles = { [BUNDLE_PATH]: code };
  for (const pkg of imports.keys()) {
    // From nodejs/node_modules/<scope>/<pkg>/dist-cjs/ up four folders is nodejs/.
    files[`${LAYER_MODULES}/${pkg}/dist-cjs/index.js`] =
      `"use strict";\nmodule.exports = require("../../../../sdk-bundle.js").packages[${JSON.stringify(pkg)}];\n`;
    files[`${LAYER_MODULES}/${pkg}/package.json`] =
      JSON.stringify({ name: pkg, version: lockedVersion(pkg), main: "dist-cjs/index.js" }, null, 2) + "\n";
  }
  return files;
}
