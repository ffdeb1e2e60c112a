// The modules of handlers/ import each other one way: a cycle (even through `import type`) ties modules together
// so that none can change, or be tested, without the others. This walks every relative import under handlers/.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const ROOT = resolve(__dirname, "../..");
const HANDLERS = join(ROOT, "handlers");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** The handlers/ modules `file` imports (static imports, `import type` and re-exports alike). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  return info.importedFiles.flatMap(({ fileName }) => {
    if (!fileName.startsWith(".")) return [];
    const base = resolve(dirname(file), fileName);
    const target = [`${base}.ts`, join(base, "index.ts")].find(existsSync);
    assert.ok(target !== undefined, `${relative(ROOT, file)} imports ${fileName}, which does not resolve`);
    return target.startsWith(HANDLERS + "/") ? [target] : [];
  });
}

/** Every cycle found by a depth-first walk, each as the path of modules that closes it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (state.get(next) === undefined) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) if (state.get(node) === undefined) visit(node);
  return found;
}

describe("handlers/ imports", () => {
  const graph = new Map(sourceFiles(HANDLERS).map((file) => [file, importsOf(file)]));

  it("finds the modules and their imports (the walk sees what it must)", () => {
    // A walk that found nothing would pass the cycle check below vacuously.
    assert.ok(graph.size >= 30, `expected the handlers/ modules, found ${graph.size}`);
    const edges = [...graph.values()].reduce((n, targets) => n + targets.length, 0);
    assert.ok(edges >= 50, `expected the imports between handlers/ modules, found ${edges}`);
  });

  it("has no import cycle among handlers/ modules", () => {
    const named = cycles(graph).map((cycle) => cycle.map((file) => relative(HANDLERS, file)).join(" -> "));
    assert.deepEqual(named, [], `import cycles among handlers/ modules:\n${named.join("\n")}`);
  });

  it("the walk reports a cycle when there is one", () => {
    const a = "a.ts";
    const b = "b.ts";
    assert.deepEqual(
      cycles(
        new Map([
          [a, [b]],
          [b, [a]],
          ["c.ts", [a]],
        ]),
      ),
      [[a, b, a]],
    );
    assert.deepEqual(
      cycles(
        new Map([
          [a, [b]],
          [b, []],
        ]),
      ),
      [],
    );
  });
});
