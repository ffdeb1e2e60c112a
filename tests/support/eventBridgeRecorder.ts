// A small HTTP server that stands in for EventBridge's endpoint: it records each PutEvents request the real SDK
// client sends and answers as EventBridge would (accepted, an entry refused, or a 500). Not EventBridge itself:
// it proves the request the handlers send, not what AWS does with it.
import { createServer, IncomingHttpHeaders, Server } from "node:http";
import { AddressInfo } from "node:net";

export interface RecordedCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type RecorderMode = "accept" | "refuse-entry" | "fail";

export class EventBridgeRecorder {
  readonly calls: RecordedCall[] = [];
  mode: RecorderMode = "accept";
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      this.calls.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
      const json = (status: number, value: unknown) =>
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(value));
      if (this.mode === "fail") return json(500, { __type: "InternalException", message: "recorder says no" });
      if (this.mode === "refuse-entry") {
        return json(200, {
          FailedEntryCount: 1,
          Entries: [{ ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded" }],
        });
      }
      json(200, { FailedEntryCount: 0, Entries: [{ EventId: `event-${this.calls.length}` }] });
    });
  });

  /** Listens on 127.0.0.1 and resolves with the endpoint URL. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The PutEvents entries received so far, in order. */
  entries(): { EventBusName: string; Source: string; DetailType: string; Detail: string; Time?: number }[] {
    return this.calls.flatMap((c) => (JSON.parse(c.body) as { Entries: never[] }).Entries);
  }
}
