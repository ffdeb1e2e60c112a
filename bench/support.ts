// What `npm run bench` needs to drive the handlers, kept apart from the tests' helpers so a change to a test
// harness cannot change what the benchmark measures.
import type { APIGatewayProxyResult } from "aws-lambda";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { parseSettings } from "../config/parse";
import { RuntimeConfig, runtimeConfig } from "../config/runtime";
import { handleApiEvent } from "../handlers/http";
import { matchPath, ROUTES } from "../handlers/routeTable";
import { Backends } from "../local/backends";
import { proxyEvent } from "../local/events";

/** The schema's defaults, with files up to 8 MiB. */
export function benchConfig(): RuntimeConfig {
  return runtimeConfig(
    parseSettings({ maxFileSizeBytes: 8 * 1024 * 1024 }),
    "fileshare-bench",
    "fileshare-bench-files",
  );
}

/** Calls the handlers in-process through the same adapter Lambda runs, one API Gateway proxy event per request. */
export class BenchClient {
  constructor(readonly backends: Backends) {}

  /** One request; resolves with its status and parsed JSON body, throws on an unknown route. */
  async request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, string> }> {
    const route = ROUTES.find((r) => r.method === method && matchPath(r.path, path) !== undefined);
    if (!route) throw new Error(`no route for ${method} ${path}`);
    const text = body === undefined ? undefined : JSON.stringify(body);
    const event = proxyEvent({
      method,
      path,
      resource: route.path,
      pathParameters: matchPath(route.path, path) ?? {},
      headers: {
        host: "bench.local",
        "x-forwarded-proto": "https",
        ...(text ? { "content-type": "application/json" } : {}),
      },
      body: text,
    });
    const context = { awsRequestId: randomBytes(8).toString("hex") };
    const result: APIGatewayProxyResult =
      route.needs === "data"
        ? await handleApiEvent(route.handler, event, context, this.backends.deps)
        : await handleApiEvent(route.handler, event, context, { config: this.backends.deps.config });
    return { status: result.statusCode, json: result.body ? JSON.parse(result.body) : {} };
  }

  /** POST /uploads for a file of `size` bytes. */
  createUpload(size = 11) {
    return this.request("POST", "/uploads", { fileName: "bench.bin", contentType: "application/octet-stream", size });
  }

  /** Creates an upload, PUTs `bytes` to its pre-signed URL and waits until the S3 event confirmed it. */
  async share(bytes: Buffer): Promise<{ id: string }> {
    const created = await this.createUpload(bytes.length);
    if (created.status !== 201) throw new Error(`POST /uploads: ${created.status}`);
    const put = await fetch(created.json["uploadUrl"] as string, {
      method: "PUT",
      headers: created.json["headers"] as unknown as Record<string, string>,
      body: new Uint8Array(bytes),
    });
    if (put.status !== 200) throw new Error(`PUT: ${put.status} ${await put.text()}`);
    await this.backends.idle();
    return { id: created.json["id"] as string };
  }
}

/** Random bytes: incompressible, as most shared files are. */
export const bytesOf = (n: number) => randomBytes(n);

/** Median time of `fn` over `n` runs after 10 warm-up runs, ms. */
export async function medianMs(n: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 10; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(n / 2)] as number;
}

/** Size of a folder as a zip archive would be: every file deflated, plus zip's per-file headers. */
export function zippedSize(dir: string): { zipped: number; unzipped: number } {
  let zipped = 22;
  let unzipped = 0;
  const walk = (d: string, prefix: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path, `${prefix}${name}/`);
      else {
        const data = readFileSync(path);
        unzipped += data.length;
        zipped += deflateRawSync(data).length + 30 + 46 + 2 * (prefix.length + name.length);
      }
    }
  };
  walk(dir, "");
  return { zipped, unzipped };
}
