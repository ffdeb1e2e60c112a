// Audit events: one structured event per state change of a share (created, confirmed, rejected, downloaded,
// deleted, removed by the clean-up). Handlers build them here and hand them to `deps.audit`, an AuditSink: on AWS
// EventBridge (handlers/auditEventBridge.ts), locally the log and an optional webhook (local/audit.ts).
// An event never holds an id, a token or a URL: the share is named by the keyed fingerprint of its key name
// (handlers/log.ts, handlers/ids.ts), which every handler can compute, whether it knows the id or only the key.
// Delivery is best-effort: a share's request never fails because its event could not be sent (emitAudit).
import { describeError, Logger } from "./log";
import { downloadsRemaining, FileRecord } from "./store/records";

/** The kinds of audit event, and the EventBridge detail-type each is sent with. */
export const AUDIT_DETAIL_TYPES = {
  "share.created": "Share Created",
  "share.confirmed": "Share Confirmed",
  "share.rejected": "Share Rejected",
  "share.downloaded": "Share Downloaded",
  "share.deleted": "Share Deleted",
  "share.removed": "Share Removed",
} as const;

export type AuditType = keyof typeof AUDIT_DETAIL_TYPES;

/** Version of the event's shape; a consumer can refuse what it does not know. */
export const AUDIT_EVENT_VERSION = 1;

/** One audit event (EventBridge's `detail`). Optional fields are present where they apply. */
export interface AuditEvent {
  version: typeof AUDIT_EVENT_VERSION;
  type: AuditType;
  /** When it happened (ISO 8601, the handlers' clock). */
  time: string;
  /** The keyed fingerprint of the share's key name (the same in every handler's events and log lines). */
  file: string;
  /** The request (or S3 event, or clean-up run) it happened in, to find its log lines. */
  requestId?: string;
  /** The share's owner, when a signed-in user created it. */
  owner?: { sub: string; email?: string };
  /** Who caused it, as in the request logs: the fingerprint of the signed-in `sub`, else of the source IP. */
  caller?: string;
  callerType?: "user" | "ip";
  /** Bytes: the file's, or all files' of a share of several files. */
  size?: number;
  /** The file's type (a share of one file). */
  contentType?: string;
  /** How many files the share holds (a share of several files; absent = 1). */
  fileCount?: number;
  /** How many of its files a download granted (share.downloaded of a share of several files). */
  filesGranted?: number;
  /** Downloads left after this change; null = unlimited. */
  downloadsLeft?: number | null;
  expiresAt?: string;
  multipart?: boolean;
  /** Why a share was rejected or removed. */
  reason?: string;
}

/** Where audit events go. `send` rejects when the event was not accepted. */
export interface AuditSink {
  send(event: AuditEvent): Promise<void>;
}

/** A sink that drops every event (tools and tests that do not look at audit events). */
export const DISCARD_AUDIT: AuditSink = { send: async () => undefined };

/** The event's fields that come from the share's record: owner, size, type (or file count), downloads left, expiry. */
export function shareFields(record: Partial<FileRecord>): Partial<AuditEvent> {
  return {
    ...(record.owner !== undefined
      ? { owner: { sub: record.owner, ...(record.ownerEmail ? { email: record.ownerEmail } : {}) } }
      : {}),
    ...(record.size !== undefined ? { size: record.size } : {}),
    ...(record.contentType !== undefined ? { contentType: record.contentType } : {}),
    // A share of several files: its total and count (it has no one type). Names never go into an event.
    ...(record.totalSize !== undefined ? { size: record.totalSize } : {}),
    ...(record.fileCount !== undefined ? { fileCount: record.fileCount } : {}),
    ...(record.downloads !== undefined
      ? { downloadsLeft: downloadsRemaining({ downloads: record.downloads, maxDownloads: record.maxDownloads }) }
      : {}),
    ...(record.expiresAt !== undefined ? { expiresAt: record.expiresAt } : {}),
  };
}

/**
 * Sends one event, best-effort: a failure is logged as a warning with the whole event (which holds no secret),
 * never thrown. The share's state change has happened by now; failing the request would make the client retry
 * something that succeeded, and the warning keeps the event in the function's logs.
 */
export async function emitAudit(
  deps: { audit: AuditSink; now: () => Date },
  log: Logger,
  event: Omit<AuditEvent, "version" | "time">,
): Promise<void> {
  const full: AuditEvent = { version: AUDIT_EVENT_VERSION, time: deps.now().toISOString(), ...event };
  try {
    await deps.audit.send(full);
  } catch (e) {
    log.warn("audit event not sent", { file: full.file, auditType: full.type, audit: full, ...describeError(e) });
  }
}
