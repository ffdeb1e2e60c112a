// The local mode's audit sink: every audit event is one JSON line in the log and, when fileshare:auditWebhookUrl
// (FILESHARE_AUDIT_WEBHOOK_URL) is set, is POSTed to that URL in the shape EventBridge gives a rule's targets,
// so an integration can be tried locally before it subscribes to the stack's topic.
import { AUDIT_DETAIL_TYPES, AuditEvent, AuditSink } from "../handlers/audit";
import { createLogger, Logger } from "../handlers/log";

/** The `source` of local events (on AWS: fileshare.<stack>). */
export const LOCAL_AUDIT_SOURCE = "fileshare.local";
/** How long the webhook may take to answer, ms: a request waits for it (best-effort, like EventBridge). */
export const WEBHOOK_TIMEOUT_MS = 2000;

export interface LocalAuditOptions {
  /** POST each event here ("" or undefined: log only). */
  webhookUrl?: string;
  /** Default: JSON lines on stdout, component "audit". */
  log?: Logger;
  timeoutMs?: number;
}

/** The event as EventBridge delivers it to a rule's target (the SNS message body on AWS). */
export function eventEnvelope(event: AuditEvent, source: string) {
  return { version: "0", source, "detail-type": AUDIT_DETAIL_TYPES[event.type], time: event.time, detail: event };
}

/** Logs each event, then POSTs it to the webhook if there is one. `send` rejects when the webhook did not
 *  answer 2xx in time; emitAudit (handlers/audit.ts) logs that as a warning and the request goes on. */
export function localAuditSink(options: LocalAuditOptions = {}): AuditSink {
  const webhook = options.webhookUrl || undefined;
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  return {
    send: async (event) => {
      // A logger per event, as per request: it reads FILESHARE_LOG_LEVEL now, not at start-up.
      (options.log ?? createLogger({ component: "audit" })).info("audit event", { audit: event });
      if (webhook === undefined) return;
      const response = await fetch(webhook, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "fileshare-audit" },
        body: JSON.stringify(eventEnvelope(event, LOCAL_AUDIT_SOURCE)),
        redirect: "error",
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw new Error(`the audit webhook answered ${response.status}`);
    },
  };
}
