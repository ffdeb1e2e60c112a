// The modules of handlers/ import each other one way: a cycle (even through `import type`) ties modules together
// so that none can change, or be tested, without the others. This walks every relative import under handlers/.
// And one folder owns the records (handlers/store/): no other module of handlers/ or local/ sends DynamoDB a command of its own.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
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

const DYNAMODB_PACKAGES = new Set(["@aws-sdk/lib-dynamodb", "@aws-sdk/client-dynamodb"]);

/** The values `file` imports from the DynamoDB packages, by name (`*` for a namespace import). Type-only imports
 *  (a client's type in Deps) send nothing and are left out. */
function dynamoDbValuesOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
  const names: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      if (DYNAMODB_PACKAGES.has(node.moduleSpecifier.text) && clause !== undefined && !clause.isTypeOnly) {
        const bindings = clause.namedBindings;
        if (bindings !== undefined && ts.isNamespaceImport(bindings)) names.push("*");
        if (bindings !== undefined && ts.isNamedImports(bindings)) {
          names.push(...bindings.elements.filter((e) => !e.isTypeOnly).map((e) => (e.propertyName ?? e.name).text));
        }
      }
    } else if (ts.isCallExpression(node)) {
      const [argument] = node.arguments;
      // require() or import() of the package
      if (argument !== undefined && ts.isStringLiteral(argument) && DYNAMODB_PACKAGES.has(argument.text))
        names.push("*");
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return names;
}

/** Who sends DynamoDB which commands (or imports the whole package), by file under handlers/ and local/. */
function dynamoDbCommandUsers(): Record<string, string[]> {
  const users: Record<string, string[]> = {};
  for (const file of [...sourceFiles(HANDLERS), ...sourceFiles(join(ROOT, "local"))]) {
    const commands = dynamoDbValuesOf(file).filter((name) => name === "*" || name.endsWith("Command"));
    if (commands.length > 0) users[relative(ROOT, file)] = commands.sort();
  }
  return users;
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

  it("keeps every DynamoDB command in the record store (handlers/store/); local/ only makes the table", () => {
    // local/dynamo.ts copies items only to rebuild an old data folder's table with a new index (dynalite cannot
    // add one), never reading a record's meaning.
    assert.deepEqual(dynamoDbCommandUsers(), {
      "handlers/store/ownerList.ts": ["QueryCommand"],
      "handlers/store/passwordAttempts.ts": ["UpdateCommand"],
      "handlers/store/records.ts": ["DeleteCommand", "GetCommand", "PutCommand", "UpdateCommand"],
      "handlers/store/shareFiles.ts": ["BatchGetCommand", "BatchWriteCommand", "GetCommand", "UpdateCommand"],
      "handlers/store/sweep.ts": ["QueryCommand", "UpdateCommand"],
      // The local table's shape (config/table.ts), never a record.
      "local/dynamo.ts": [
        "BatchWriteItemCommand",
        "CreateTableCommand",
        "DeleteTableCommand",
        "DescribeTableCommand",
        "ScanCommand",
      ],
    });
  });

  it("the command check sees named, renamed, namespace and require imports, and not type-only ones", () => {
    const dir = mkdtempSync(join(tmpdir(), "dynamodb-imports-"));
    try {
      const file = join(dir, "x.ts");
      writeFileSync(
        file,
        [
          'import { GetCommand as Get, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";',
          'import type { ScanCommand } from "@aws-sdk/lib-dynamodb";',
          'import * as ddb from "@aws-sdk/client-dynamodb";',
          'const lib = require("@aws-sdk/lib-dynamodb");',
        ].join("\n"),
      );
      assert.deepEqual(dynamoDbValuesOf(file), ["GetCommand", "*", "*"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
