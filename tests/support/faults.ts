// A fault-injecting HTTP proxy in front of a local S3 or DynamoDB server: requests pass through until told to
// fail, then fail as the real service does when it is away (connection reset) or throttling (DynamoDB's 400
// ProvisionedThroughputExceededException, S3's 503 SlowDown). The SDK sees real HTTP failures and applies its
// own retries, as in Lambda.
import { createServer, request, Server } from "node:http";
import { closeServer, listenOnLoopback } from "../../local/listen";

export type FaultKind = "down" | "throttle";

export class FaultProxy {
  /** Requests seen since the last `arm` (or `count`). */
  seen = 0;
  /** Requests failed on purpose since the last `arm`: 0 after a run means the fault point was never reached. */
  injected = 0;
  private failFrom = Infinity;
  private failures = 0;
  private kind: FaultKind = "down";
  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(target: string, service: "s3" | "dynamodb"): Promise<FaultProxy> {
    const url = new URL(target);
    let proxy: FaultProxy | undefined;
    const server = createServer((req, res) => {
      const p = proxy as FaultProxy;
      const index = p.seen++;
      if (index >= p.failFrom && p.failures > 0) {
        p.failures--;
        p.injected++;
        if (p.kind === "down") return void req.socket.destroy();
        req.resume();
        if (service === "dynamodb") {
          res.writeHead(400, { "Content-Type": "application/x-amz-json-1.0" });
          return void res.end(
            JSON.stringify({
              __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
              message: "The level of configured provisioned throughput for the table was exceeded.",
            }),
          );
        }
        res.writeHead(503, { "Content-Type": "application/xml" });
        return void res.end("<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>");
      }
      const upstream = request(
        { host: url.hostname, port: url.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    });
    proxy = new FaultProxy(server, "");
    const port = await listenOnLoopback(server, 0);
    proxy = Object.assign(proxy, { endpoint: `http://127.0.0.1:${port}` });
    return proxy;
  }

  /** From the `from`-th request on (0 = the next one), fail `count` requests (Infinity = all) with `kind`. */
  arm(kind: FaultKind, from: number, count = Infinity): void {
    this.kind = kind;
    this.seen = 0;
    this.injected = 0;
    this.failFrom = from;
    this.failures = count;
  }

  /** Lets everything through and counts from zero: `seen` then says how many calls a run made. */
  count(): void {
    this.heal();
    this.seen = 0;
    this.injected = 0;
  }

  /** Lets everything through again. */
  heal(): void {
    this.failFrom = Infinity;
    this.failures = 0;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }
}
