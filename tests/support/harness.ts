// Runs route handlers exactly as Lambda would (API Gateway proxy events through handleApiEvent) against real
// local S3 and DynamoDB servers over HTTP.
import type { APIGatewayProxyResult } from "aws-lambda";
import { parseSettings } from "../../config/parse";
import { RuntimeConfig, runtimeConfig } from "../../config/runtime";
import { Deps } from "../../handlers/deps";
import { handleApiEvent } from "../../handlers/http";
import { ROUTES } from "../../handlers/api";
import { matchPath } from "../../handlers/matchPath";
import { Backends, startBackends } from "../../local/backends";
import { proxyEvent } from "../../local/events";
import { captureStdout } from "./stdout";

/** Limits small enough for tests to reach; every other setting is the schema's default. */
const TEST_SETTINGS = {
  defaultShareTtlSeconds: 3600,
  maxShareTtlSeconds: 86400,
  maxFileSizeBytes: 1024 * 1024,
  maxDownloadsLimit: 100,
  corsOrigins: ["https://app.example.com"],
};

/** The handlers' config for tests: the schema's defaults, the test limits above, then the test's own overrides
 *  (applied unvalidated, so a test can hand the handlers a value the schema would refuse). */
export function testConfig(overrides: Partial<RuntimeConfig> = {}): RuntimeConfig {
  const settings = parseSettings(TEST_SETTINGS);
  return { ...runtimeConfig(settings, "fileshare-test", "fileshare-test-files"), ...overrides };
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** A client of the API that calls the handlers in-process, one proxy event per request. */
export class Api {
  constructor(
    readonly backends: Backends,
    private readonly overrides: Partial<Deps> = {},
  ) {}

  get deps(): Deps {
    return Object.keys(this.overrides).length === 0 ? this.backends.deps : { ...this.backends.deps, ...this.overrides };
  }

  /** The same API with some dependencies replaced (a dead endpoint, a client without credentials). */
  with(overrides: Partial<Deps>): Api {
    return new Api(this.backends, overrides);
  }

  async request(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    // A query string goes into the event's query parameters, as API Gateway passes it.
    const [pathOnly = path, search] = path.split("?", 2);
    const query = search === undefined ? undefined : Object.fromEntries(new URLSearchParams(search));
    path = pathOnly;
    const route = ROUTES.find((r) => r.method === method && matchPath(r.path, path) !== undefined);
    if (!route) throw new Error(`no route for ${method} ${path}`);
    const body =
      options.body === undefined
        ? undefined
        : typeof options.body === "string"
          ? options.body
          : JSON.stringify(options.body);
    const event = proxyEvent({
      method,
      path,
      resource: route.path,
      pathParameters: matchPath(route.path, path) ?? {},
      query,
      headers: {
        host: "api.test",
        "x-forwarded-proto": "https",
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...options.headers,
      },
      body,
    });
    const result: APIGatewayProxyResult = await handleApiEvent(
      route.handler,
      event,
      { awsRequestId: "req-" + Math.random().toString(16).slice(2) },
      this.deps,
    );
    const headers = Object.fromEntries(
      Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
    );
    let json: unknown;
    try {
      json = result.body ? JSON.parse(result.body) : undefined;
    } catch {
      json = undefined;
    }
    return { status: result.statusCode, headers, body: result.body, json };
  }

  /** POST /uploads with a valid body, merged with `fields`. */
  createUpload(fields: Record<string, unknown> = {}, headers?: Record<string, string>): Promise<Reply> {
    return this.request("POST", "/uploads", {
      body: { fileName: "report.pdf", contentType: "application/pdf", size: 11, ...fields },
      headers,
    });
  }

  /** Creates an upload for `bytes`, PUTs them to the pre-signed URL and waits for the S3 event to confirm it. */
  async share(bytes: Buffer, fields: Record<string, unknown> = {}): Promise<{ id: string; deleteToken: string }> {
    const created = await this.createUpload({ size: bytes.length, ...fields });
    if (created.status !== 201) throw new Error(`createUpload: ${created.status} ${created.body}`);
    const put = await fetch(created.json.uploadUrl, {
      method: "PUT",
      headers: created.json.headers,
      body: new Uint8Array(bytes),
    });
    if (put.status !== 200) throw new Error(`PUT: ${put.status} ${await put.text()}`);
    await this.backends.idle();
    return { id: created.json.id, deleteToken: created.json.deleteToken };
  }
}

/** Starts in-memory backends for a suite; call the returned functions from before/after. */
export function useBackends(config: RuntimeConfig = testConfig()): {
  api: () => Api;
  start: () => Promise<void>;
  stop: () => Promise<void>;
} {
  let backends: Backends | undefined;
  return {
    api: () => {
      if (!backends) throw new Error("backends not started");
      return new Api(backends);
    },
    start: async () => {
      backends = await startBackends({ config });
    },
    stop: async () => {
      await backends?.close();
    },
  };
}

/** `n` bytes of recognisable content. */
export function bytesOf(n: number, seed = 7): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) % 256));
}

/** Runs `fn` with the handlers' logs on and returns what they wrote, one parsed JSON object per line. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function captureLogs<T>(fn: () => Promise<T>): Promise<{ result: T; entries: any[] }> {
  const { result, text } = await captureStdout(fn);
  return {
    result,
    entries: text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line)),
  };
}
