// Lays a CallbackFunction's code archive out as Lambda would unpack it, in a folder OUTSIDE the project (else
// Node would fall back to the project's own node_modules), and runs it there in a fresh Node process.
import { ChildProcess, spawn } from "node:child_process";
import { copyFile, cp, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

/** What the builder (build-archives.ts) reports of one function. */
export interface BuiltFunction {
  name: string;
  indexJs: string;
  /** Project-relative folders the archive carries, e.g. node_modules/@aws-sdk/client-s3. */
  folders: string[];
  runtime: string;
  timeout: number;
  memorySize: number;
  environment: Record<string, string>;
}

const PROJECT = resolve(__dirname, "..", "..");

/** Writes __index.js and copies exactly the archive's folders into `dir`. */
export async function layOut(fn: BuiltFunction, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "__index.js"), fn.indexJs);
  for (const folder of fn.folders) await cp(join(PROJECT, folder), join(dir, folder), { recursive: true });
  await copyFile(join(__dirname, "runner.js"), join(dir, "runner.js"));
}

/** A warm function: one Node process, invoked many times. */
export class LambdaProcess {
  private readonly child: ChildProcess;
  private readonly replies: ((line: string) => void)[] = [];
  readonly logs: string[] = [];

  constructor(dir: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, ["runner.js"], {
      cwd: dir,
      env: { PATH: process.env["PATH"] ?? "", ...env }, // nothing else: no NODE_PATH, no project variables
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

/** Runs the builder in its own process (Pulumi's runtime state is global) and returns every function. */
export function buildFunctions(stack: "dev" | "prod"): Promise<BuiltFunction[]> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", join(__dirname, "build-archives.ts"), stack],
      { cwd: PROJECT, stdio: ["ignore", "pipe", "pipe"] },
    );
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
