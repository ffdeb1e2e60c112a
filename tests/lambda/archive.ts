// Lays a CallbackFunction's code archive and the SDK layer out as Lambda would unpack them, in folders OUTSIDE
// the project (else Node would fall back to the project's own node_modules), and runs the code there in a fresh
// Node process whose NODE_PATH holds the layer's node_modules only, as Lambda's /opt/nodejs/node_modules.
import { ChildProcess, spawn } from "node:child_process";
import { copyFile, cp, mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";

/** What the builder (build-archives.ts) reports of one function. */
export interface BuiltFunction {
  name: string;
  indexJs: string;
  /** Project-relative folders the archive carries, e.g. node_modules/@aws-sdk/client-s3. */
  folders: string[];
  /** The layer ARNs the function attaches. */
  layers: string[];
  runtime: string;
  timeout: number;
  memorySize: number;
  environment: Record<string, string>;
}

/** The SDK layer the program built: its ARN (under mocks) and its files by archive path. */
export interface BuiltLayer {
  arn: string;
  files: Record<string, string>;
}

/** What the builder reports of one stack. */
export interface BuiltStack {
  functions: BuiltFunction[];
  layer: BuiltLayer;
}

const PROJECT = resolve(__dirname, "..", "..");

/** Writes __index.js and copies exactly the archive's folders into `dir`. */
export async function layOut(fn: BuiltFunction, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "__index.js"), fn.indexJs);
  for (const folder of fn.folders) await cp(join(PROJECT, folder), join(dir, folder), { recursive: true });
  await copyFile(join(__dirname, "runner.js"), join(dir, "runner.js"));
}

/** Writes the layer's files into `dir` (Lambda's /opt) and returns its node_modules folder for NODE_PATH. */
export async function layOutLayer(files: Record<string, string>, dir: string): Promise<string> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return join(dir, "nodejs", "node_modules");
}

/** The modules an `__index.js` requires, each with the names the code reads from it (`binding.Name`). */
export function requiredNames(indexJs: string): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const m of indexJs.matchAll(/\b(?:const|let|var)\s+([\w$]+)\s*=\s*require\("([^"]+)"\)/g)) {
    const [, binding, module] = m as unknown as [string, string, string];
    const names = (out[module] ??= new Set());
    for (const use of indexJs.matchAll(new RegExp(`(?<![\\w$.])${binding.replace(/\$/g, "\\$")}\\.([\\w$]+)`, "g"))) {
      names.add(use[1]!);
    }
  }
  for (const m of indexJs.matchAll(/require\("([^"]+)"\)/g)) out[m[1]!] ??= new Set();
  return Object.fromEntries(Object.entries(out).map(([module, names]) => [module, [...names].sort()]));
}

/** Requires each module from `dir` in a fresh Node process (NODE_PATH = `nodePath` only) and returns what
 *  failed: "<module>" when it does not load, "<module>: <name>" for each name that is undefined. */
export function unresolved(dir: string, nodePath: string, required: Record<string, string[]>): Promise<string[]> {
  const script = `
    const required = JSON.parse(process.argv[1]);
    const missing = [];
    for (const [module, names] of Object.entries(required)) {
      let value;
      try { value = require(module); } catch (e) { missing.push(module + " (" + e.code + ")"); continue; }
      for (const name of names) if (value[name] === undefined) missing.push(module + ": " + name);
    }
    process.stdout.write(JSON.stringify(missing));`;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ["-e", script, JSON.stringify(required)], {
      cwd: dir,
      env: { PATH: process.env["PATH"] ?? "", NODE_PATH: nodePath },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => (code === 0 ? resolvePromise(JSON.parse(out)) : reject(new Error(err))));
  });
}

/** A warm function: one Node process, invoked many times. */
export class LambdaProcess {
  private readonly child: ChildProcess;
  private readonly replies: ((line: string) => void)[] = [];
  readonly logs: string[] = [];

  /** `nodePath`: the laid-out layer's node_modules (layOutLayer), as Lambda puts /opt/nodejs/node_modules. */
  constructor(dir: string, env: Record<string, string>, nodePath: string) {
    this.child = spawn(process.execPath, ["runner.js"], {
      cwd: dir,
      env: { PATH: process.env["PATH"] ?? "", ...env, NODE_PATH: nodePath }, // nothing else of the project's
      stdio: ["pipe", "pipe", "pipe", "pipe"],
    });
    createInterface({ input: this.child.stdout! }).on("line", (l) => this.logs.push(l));
    createInterface({ input: this.child.stderr! }).on("line", (l) => this.logs.push(l));
    createInterface({ input: this.child.stdio[3] as NodeJS.ReadableStream }).on("line", (l) =>
      this.replies.shift()?.(l),
    );
  }

  /** Invokes the handler with one event; resolves with its result or rejects with its error. */
  invoke(event: unknown): Promise<unknown> {
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply in 20 s; logs:\n${this.logs.join("\n")}`)), 20_000);
      this.replies.push((line) => {
        clearTimeout(timer);
        const reply = JSON.parse(line);
        if ("result" in reply) resolvePromise(reply.result);
        else reject(new Error(reply.error ?? reply.coldStartError));
      });
      this.child.stdin!.write(JSON.stringify(event) + "\n");
    });
  }

  stop(): void {
    this.child.kill();
  }
}

/** Runs the builder in its own process (Pulumi's runtime state is global): every function and the layer. */
export function buildFunctions(stack: "dev" | "prod", extraConfig?: Record<string, string>): Promise<BuiltStack> {
  return new Promise((resolvePromise, reject) => {
    const args = [join(__dirname, "build-archives.ts"), stack, ...(extraConfig ? [JSON.stringify(extraConfig)] : [])];
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", ...args], {
      cwd: PROJECT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`build-archives exited ${code}: ${err}`));
      resolvePromise(JSON.parse(out));
    });
  });
}
