// The local stand-in for API Gateway: a node:http server that serves the same route table (handlers/routeTable.ts)
// by building the same REST proxy events and calling the same adapter (handleApiEvent) Lambda runs.
//
// Where it differs from API Gateway, on purpose:
// - nothing: a method the path does not support gets 404 NotFound, as on the deployed API (whose gateway
//   response maps API Gateway's "Missing Authentication Token" to 404 NotFound, infra/openapi.ts); the message
//   names the methods the path does support. Only these differ:
// - request bodies are capped at 1 MiB (413 TooLarge) instead of API Gateway's 10 MB: no route needs more;
// - a request must arrive within 30 s (headers within 10 s), so a stalled client cannot hold a socket forever;
// - it answers only to Host 127.0.0.1:PORT and localhost:PORT, so a web page cannot reach it through DNS
//   rebinding; anything else gets 400.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { createServer, STATUS_CODES, IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from "node:http";
import { isUtf8 } from "node:buffer";
import { closeServer, listenOnLoopback } from "./listen";
import { Deps } from "../handlers/deps";
import {
  ConfigOnly,
  corsHeaders,
  handleApiEvent,
  preflightResponse,
  REQUEST_FINISHED,
  requestFields,
} from "../handlers/http";
import { internalError, unavailable } from "../handlers/errors";
import { createLogger, describeError, Logger } from "../handlers/log";
import { ROUTES } from "../handlers/api";
import { matchPath } from "../handlers/matchPath";
import { routeAuth } from "../handlers/routeAuth";
import type { Route } from "../handlers/routeSpec";
import { proxyEvent } from "./events";
import { refuseWrite } from "./apiKeyCheck";
import { authorize } from "./authorizer";
import { queryValues, routingPath, splitTarget } from "./routing";
import { HEADERS_TIMEOUT_MS, MAX_BODY_BYTES, readBody, REQUEST_TIMEOUT_MS } from "./transport";
import { randomUUID } from "node:crypto";

/** What the gateway reads itself (the settings, the token check of its authorizer, the log fingerprint) and what a
 *  config-only route's handler gets. Local mode passes the whole Deps; a gateway for config-only routes (a test)
 *  may pass just this, and its data routes then answer 503 as while the backends start. */
export type GatewayDeps = ConfigOnly & Pick<Deps, "verifyToken">;

/** Whether `deps` carry the data clients a "data" route's handler needs. */
const hasDataClients = (deps: GatewayDeps): deps is Deps => "db" in deps && "s3" in deps;

export interface GatewayOptions<D extends GatewayDeps = GatewayDeps> {
  /** The handlers' dependencies; undefined while the backends are still starting (requests then get 503). */
  deps: () => D | undefined;
  routes?: readonly Route[];
  /**
   * Serve the API under /<stage>/ as API Gateway does (e.g. https://host/dev/), so the page and the share
   * links can be tried with the URL layout of a deployed stack. Default: at the root.
   */
  stage?: string;
  /** Runs a matched route for its proxy event; default: the same adapter Lambda runs, in this process. */
  invoke?: (route: Route, event: APIGatewayProxyEvent, deps: D) => Promise<APIGatewayProxyResult>;
  /** Where the gateway's own warnings and errors go; default: JSON lines on stdout, as the handlers log. */
  log?: Logger;
  /** fileshare:apiKeys: the key the write routes take from callers that are not signed in (x-api-key). */
  apiKey?: string;
  /** Time limits for a client's request and headers, ms; default REQUEST_TIMEOUT_MS / HEADERS_TIMEOUT_MS (tests
   *  shorten them, and how often Node checks them, to see a slow client cut off). */
  timeouts?: { requestMs: number; headersMs: number; checkEveryMs?: number };
}

export interface Gateway {
  server: Server;
  /** Listens on host:port (port 0 = any free port) and resolves with the port; rejects with the listen error. */
  listen(port: number): Promise<number>;
  close(): Promise<void>;
}

type Result = APIGatewayProxyResult;

function errorResult(status: number, code: string, message: string, headers: Record<string, string> = {}): Result {
  return {
    statusCode: status,
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      ...headers,
    },
    body: JSON.stringify({ error: { code, message } }),
  };
}

/** A client that went away: its request is not worth an error log, and there is nobody to answer. */
function isHangUp(req: IncomingMessage, e: unknown): boolean {
  return req.socket.destroyed || (e as { code?: unknown } | null)?.code === "ECONNRESET";
}

/** Runs a route's handler in this process through the adapter Lambda runs. */
async function invokeInProcess(route: Route, event: APIGatewayProxyEvent, deps: GatewayDeps): Promise<Result> {
  const context = { awsRequestId: event.requestContext.requestId };
  if (route.needs === "none") return handleApiEvent(route.handler, event, context, deps);
  if (hasDataClients(deps)) return handleApiEvent(route.handler, event, context, deps);
  const e = unavailable();
  return errorResult(e.httpStatus, e.code, e.message, { "Retry-After": "1" });
}

/** Creates the gateway. Nothing listens until `listen` is called. */
export function createGateway<D extends GatewayDeps>(options: GatewayOptions<D>): Gateway {
  const routes = options.routes ?? ROUTES;
  const log = options.log ?? createLogger({ component: "local-gateway" });
  const invoke = options.invoke ?? invokeInProcess;
  let port = 0;
  const stagePrefix = options.stage ? `/${options.stage}` : "";

  /** What the gateway knows of a request for its "request finished" line: the route it matched, and whether a
   *  handler took the request (the handler then logs the line itself, as in Lambda). */
  type Seen = { route: string | null; handled: boolean };

  async function answer(req: IncomingMessage, seen: Seen): Promise<Result> {
    const deps = options.deps();
    // The path exactly as sent: URL parsing would resolve "/x/../files/id" and read "//host/..." as a host.
    const target = splitTarget(req.url ?? "/");
    const fullPath = target.path;
    // The path the routes see: without the stage, as API Gateway hands it to the Lambda (event.path).
    let path: string | undefined = fullPath;
    if (stagePrefix !== "") {
      path =
        fullPath === stagePrefix
          ? "/"
          : fullPath.startsWith(stagePrefix + "/")
            ? fullPath.slice(stagePrefix.length)
            : undefined;
    }
    const method = (req.method ?? "GET").toUpperCase();
    const origin = req.headers.origin;
    const cors = corsHeaders(origin, deps?.config.corsOrigins ?? []);

    const host = (req.headers.host ?? "").toLowerCase();
    // Two Host headers are refused (RFC 9112 section 3.2): which one a proxy or a handler believed is a guess.
    if ((req.headersDistinct["host"]?.length ?? 0) !== 1) {
      return errorResult(400, "InvalidRequest", "Send exactly one Host header.", cors);
    }
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      return errorResult(
        400,
        "InvalidRequest",
        `This local server answers only to 127.0.0.1:${port} and localhost:${port}.`,
        cors,
      );
    }

    let matches: { route: Route; params: Record<string, string> }[];
    try {
      matches = routes.flatMap((route) => {
        const params = path === undefined ? undefined : matchPath(route.path, routingPath(path));
        return params === undefined ? [] : [{ route, params }];
      });
    } catch {
      // decodeURIComponent refused a malformed %-escape: no file can have such an id.
      matches = [];
    }
    if (matches.length === 0) {
      return errorResult(404, "NotFound", `There is no ${fullPath} here; GET /openapi.json lists the routes.`, cors);
    }
    if (method === "OPTIONS") {
      return preflightResponse(origin, deps?.config.corsOrigins ?? []);
    }
    const match = matches.find((m) => m.route.method === method);
    seen.route = match?.route.path ?? null;
    if (match === undefined) {
      const allow = [...new Set(matches.map((m) => m.route.method)), "OPTIONS"].join(", ");
      return errorResult(404, "NotFound", `There is no ${method} ${fullPath}; this path takes ${allow}.`, cors);
    }
    if (deps === undefined) {
      const e = unavailable();
      return errorResult(e.httpStatus, e.code, e.message, { ...cors, "Retry-After": "1" });
    }
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === undefined) {
      return errorResult(
        413,
        "TooLarge",
        `The request body is larger than ${MAX_BODY_BYTES} bytes. File bytes go to the upload URL, not to the API.`,
        { ...cors, Connection: "close" },
      );
    }
    // Every value of repeated headers (req.headers would join some and drop others).
    const headers: Record<string, string[]> = { ...req.headersDistinct } as Record<string, string[]>;
    // What API Gateway tells a Lambda about the original request; the handler builds shareUrl from these.
    headers["x-forwarded-proto"] = ["http"];
    headers["host"] = [host];
    // A body that is not UTF-8 goes on base64-encoded, so the handler can refuse it instead of reading U+FFFD.
    const utf8 = isUtf8(body);
    const event = proxyEvent({
      path: path as string,
      method,
      resource: match.route.path,
      pathParameters: match.params,
      headers,
      query: queryValues(target.query),
      body: body.length === 0 ? undefined : body.toString(utf8 ? "utf8" : "base64"),
      sourceIp: req.socket.remoteAddress,
    });
    event.isBase64Encoded = !utf8;
    event.requestContext.path = fullPath;
    if (options.apiKey !== undefined && match.route.writes) {
      // The write routes' authorizer: a valid bearer token, or the key (local/apiKeyCheck.ts).
      const refused = await refuseWrite(event.headers, deps.verifyToken, options.apiKey);
      if (refused) return errorResult(refused.status, refused.code, refused.message, cors);
    } else if (routeAuth(match.route, deps.config) === "required") {
      // API Gateway's Cognito authorizer: no valid ID token, no Lambda call; the claims go to the handler.
      const claims = await authorize(headers["authorization"]?.[0], deps);
      if ("error" in claims) return errorResult(401, "Unauthorized", claims.error, cors);
      event.requestContext.authorizer = { claims };
    }
    if (stagePrefix !== "") event.requestContext.stage = options.stage as string;
    seen.handled = true;
    return invoke(match.route, event, deps);
  }

  function write(res: ServerResponse, result: Result): void {
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
    for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
      res.setHeader(name, values.map(String));
    }
    const body = result.isBase64Encoded ? Buffer.from(result.body, "base64") : Buffer.from(result.body, "utf8");
    headers["Content-Length"] = body.length;
    res.writeHead(result.statusCode, headers);
    res.end(body);
  }

  /** The answer when something in the gateway itself failed: still the docs/api.md shape, with CORS headers. */
  function failure(req: IncomingMessage): Result {
    let allowed: readonly string[] = [];
    try {
      allowed = options.deps()?.config.corsOrigins ?? [];
    } catch {
      // The failure may be right here; answer without an allowed origin.
    }
    const error = internalError();
    return errorResult(error.httpStatus, error.code, error.message, corsHeaders(req.headers.origin, allowed));
  }

  const timeouts = options.timeouts ?? { requestMs: REQUEST_TIMEOUT_MS, headersMs: HEADERS_TIMEOUT_MS };
  const checking = timeouts.checkEveryMs === undefined ? {} : { connectionsCheckingInterval: timeouts.checkEveryMs };
  /** The line API Gateway's access log would hold for a request the gateway answered itself (no route, 401 from
   *  the authorizer, 413, 503 while starting): the same fields as a handler's "request finished" line. */
  function logAnswered(req: IncomingMessage, seen: Seen, status: number, startedMs: number): void {
    if (seen.handled) return;
    let deps: D | undefined;
    try {
      deps = options.deps();
    } catch {
      deps = undefined; // the line goes out without a caller
    }
    // No caller while the backends start: the log key comes with them. Never the address in clear.
    const fingerprint = deps?.fingerprint;
    const who = typeof fingerprint === "function" ? { sourceIp: req.socket.remoteAddress } : {};
    // A logger per line, as the handlers make one per request (it reads FILESHARE_LOG_LEVEL now).
    (options.log ?? createLogger({ component: "local-gateway" })).info(REQUEST_FINISHED, {
      requestId: randomUUID(),
      method: (req.method ?? "GET").toUpperCase(),
      route: seen.route,
      ...requestFields(status, startedMs, who, fingerprint ?? (() => "")),
    });
  }

  const server = createServer(checking, (req, res) => {
    const started = Date.now();
    const seen: Seen = { route: null, handled: false };
    answer(req, seen)
      .then(
        (result) => {
          logAnswered(req, seen, result.statusCode, started);
          if (result.body !== "" && !result.headers?.["Content-Type"]) {
            result.headers = { ...result.headers, "Content-Type": "application/json; charset=utf-8" };
          }
          write(res, result);
        },
        (e: unknown) => {
          if (isHangUp(req, e)) {
            // The client went away mid-request: nothing to answer, and not our fault.
            // The method only: the path may hold a share id, which is a credential.
            log.warn("client closed the connection before the request was complete", { method: req.method });
            res.destroy();
            return;
          }
          log.error("gateway failed", describeError(e));
          const answered = failure(req);
          logAnswered(req, { ...seen, handled: false }, answered.statusCode, started);
          write(res, answered);
        },
      )
      .catch((e: unknown) => {
        // Writing failed (the client went away): nothing left to tell it.
        log.warn("response not written", describeError(e));
        res.destroy();
      });
  });
  // Node's own refusals (a bad request line, headers too large, Content-Length with Transfer-Encoding) get the
  // docs/api.md shape too; the request was never parsed, so there is no Origin to answer.
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return void socket.destroy();
    const status = err.code === "HPE_HEADER_OVERFLOW" ? 431 : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    const message =
      status === 431
        ? "The request headers are too large."
        : status === 408
          ? "The request took too long to arrive."
          : "The request is not valid HTTP/1.1.";
    const result = errorResult(status, "InvalidRequest", message, { Connection: "close" });
    const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status]}`];
    for (const [name, value] of Object.entries(result.headers ?? {})) head.push(`${name}: ${String(value)}`);
    head.push(`Content-Length: ${Buffer.byteLength(result.body)}`);
    socket.end(`${head.join("\r\n")}\r\n\r\n${result.body}`);
  });
  // Idle keep-alive sockets must not hold a shutdown open.
  server.keepAliveTimeout = 5000;
  // A client that trickles its request in must not hold a socket (and a handler's body buffer) for minutes.
  server.requestTimeout = timeouts.requestMs;
  server.headersTimeout = timeouts.headersMs;

  return {
    server,
    listen: async (wanted) => {
      port = await listenOnLoopback(server, wanted);
      return port;
    },
    close: () => closeServer(server),
  };
}
