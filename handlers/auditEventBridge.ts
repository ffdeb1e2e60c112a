// The AWS audit sink: one EventBridge PutEvents call per event, on the stack's own bus (infra/audit.ts).
// The client is built inside the callbackFactory (depsFromEnvironment), never at module scope.
import { EventBridgeClient, EventBridgeClientConfig, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { AUDIT_DETAIL_TYPES, AuditEvent, AuditSink } from "./audit";
import { OTHER_ENV_NAMES } from "../config/runtime";

/** How long one attempt may take to connect, and to be answered, ms: an audit event must not hold a request
 *  for long (best-effort, handlers/audit.ts). Two attempts at most. */
export const EVENTBRIDGE_CONNECT_TIMEOUT_MS = 1000;
export const EVENTBRIDGE_REQUEST_TIMEOUT_MS = 2000;
export const EVENTBRIDGE_MAX_ATTEMPTS = 2;

/** The EventBridge client with the short timeouts above (options: only tests pass an endpoint). */
export function createEventBridgeClient(options: EventBridgeClientConfig = {}): EventBridgeClient {
  return new EventBridgeClient({
    maxAttempts: EVENTBRIDGE_MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: EVENTBRIDGE_CONNECT_TIMEOUT_MS,
      requestTimeout: EVENTBRIDGE_REQUEST_TIMEOUT_MS,
    },
    ...options,
  });
}

/** Sends each event to `busName` with `source` (fileshare.<stack>) and the event type's detail-type. A 200 whose
 *  entry failed (FailedEntryCount, e.g. throttling inside the batch) is a failure too. */
export function eventBridgeSink(client: EventBridgeClient, busName: string, source: string): AuditSink {
  return {
    send: async (event: AuditEvent) => {
      const out = await client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: busName,
              Source: source,
              DetailType: AUDIT_DETAIL_TYPES[event.type],
              Time: new Date(event.time),
              Detail: JSON.stringify(event),
            },
          ],
        }),
      );
      if ((out.FailedEntryCount ?? 0) > 0) {
        const entry = out.Entries?.[0];
        throw new Error(`EventBridge refused the event: ${entry?.ErrorCode ?? "unknown"} ${entry?.ErrorMessage ?? ""}`);
      }
    },
  };
}

/** The sink a function builds from its environment; throws (at cold start) when the bus is not named. */
export function eventBridgeSinkFromEnvironment(env: Record<string, string | undefined>): AuditSink {
  const { auditBusName, auditSource } = OTHER_ENV_NAMES;
  const busName = env[auditBusName];
  const source = env[auditSource];
  if (!busName) throw new Error(`environment variable ${auditBusName} is not set`);
  if (!source) throw new Error(`environment variable ${auditSource} is not set`);
  return eventBridgeSink(createEventBridgeClient(), busName, source);
}
