// The clean-up ("expiry means deletion"): removes shares that expired, whose last download URL expired, whose
// upload never arrived or whose DELETE never finished, and objects that have no record. Due shares come from the
// sparse sweep index (a Query per shard, never a Scan); objects without a record from a bounded listing of uploads/.
// Each share is claimed by one conditional write before anything is removed, so runs may overlap (a retried
// schedule, the local timer): each thing is removed by exactly one of them. It never knows a share's id: records
// and objects are both named by the share's key name (handlers/ids.ts). Should removing an object fail, the
// claim is released and the record stays, so the next run tries again.
import { emitAudit, shareFields } from "./audit";
import type { Deps } from "./deps";
import { describeError, Logger } from "./log";
import { fileKeyOf, UPLOAD_PREFIX, uploadOfKey } from "./ids";
import { headObject } from "./objects";
import {
  claimDueShare,
  ClaimedShare,
  claimOrphanObject,
  deleteClaimedRecord,
  listDueKeyNames,
  releaseClaim,
} from "./store/sweep";
import { deleteFileItems } from "./store/shareFiles";
import { getRecord, isExpired } from "./store/records";
import { listUploadKeys, purgeObjects } from "./versions";

/** Why a share was removed. */
export type Reason = "expired" | "exhausted" | "upload-never-arrived" | "delete-unfinished" | "object-without-record";

/** One removal, as logged: the fingerprint of the share's key name, the same its other log lines carry. */
export interface Removal {
  reason: Reason;
  file: string;
  /** Object versions (and delete markers) deleted. */
  versions: number;
  abortedUploads: number;
}

export interface CleanupReport {
  removed: Removal[];
  /** Shares this run claimed but could not remove (left for the next run). */
  failed: number;
}

export interface CleanupOptions {
  /** At most this many shares and this many listed objects per run. */
  limit: number;
  log: Logger;
  /** The invocation, named in the audit events (the scheduled function's request id). */
  requestId?: string;
}

/** The message of a run's summary line (npm start's terminal shows it only when the run removed something). */
export const CLEANUP_FINISHED = "clean-up run finished";

/** One clean-up run. Throws only when it could not even look for work (the index or the bucket listing failed). */
export async function runCleanup(deps: Deps, options: CleanupOptions): Promise<CleanupReport> {
  const runId = deps.random(12);
  const report: CleanupReport = { removed: [], failed: 0 };
  for (const keyName of await listDueKeyNames(deps, options.limit)) {
    const claimed = await claimDueShare(deps, keyName, runId);
    if (claimed !== undefined) await remove(deps, claimed, reasonFor(claimed, deps.now()), runId, report, options);
  }
  // A random place to start, so that runs limited to a few keys still reach every key in time.
  const startAfter = `${UPLOAD_PREFIX}${deps.random(1).slice(0, 1)}`;
  const seen = new Set<string>();
  for (const key of await listUploadKeys(deps, options.limit, startAfter)) {
    // A share's one object, or one of the numbered files of a share of several files: the share's key name.
    const keyName = uploadOfKey(key)?.keyName;
    if (keyName === undefined) continue; // not a key our API can create; the lifecycle rule expires it
    if (seen.has(keyName)) continue; // its share was looked at (and its files removed) for an earlier key
    seen.add(keyName);
    if ((await getRecord(deps, keyName)) !== undefined) continue; // its record's own schedule covers it
    const claimed = await claimOrphanObject(deps, keyName, fileKeyOf(keyName), runId);
    if (claimed === undefined) continue;
    // Listed before another run (or a DELETE) removed it with its record: nothing left to remove but our claim.
    // Records are deleted after their objects, so with the record gone a present object really is an orphan.
    if ((await headObject(deps, key)) === undefined) await deleteClaimedRecord(deps, keyName, runId);
    else await remove(deps, claimed, "object-without-record", runId, report, options);
  }
  options.log.info(CLEANUP_FINISHED, { removed: report.removed.length, failed: report.failed });
  return report;
}

function reasonFor(record: ClaimedShare, now: Date): Reason {
  if (record.status === "deleting") return "delete-unfinished";
  if (isExpired(record, now)) return "expired";
  return record.status === "pending" ? "upload-never-arrived" : "exhausted";
}

/** Aborts open uploads, deletes every object version, then the record (only while this run's claim holds). */
async function remove(
  deps: Deps,
  record: ClaimedShare,
  reason: Reason,
  runId: string,
  report: CleanupReport,
  options: CleanupOptions,
): Promise<void> {
  const log = options.log;
  const file = deps.fingerprint(record.id);
  try {
    const { versions, abortedUploads } = await purgeObjects(deps, record);
    // The file items of a share of several files go before the share item: until it goes, the sweep finds it.
    await deleteFileItems(deps, record);
    if (!(await deleteClaimedRecord(deps, record.id, runId))) {
      log.info("share was removed by someone else meanwhile", { reason, file });
      return;
    }
    const removal = { reason, file, versions, abortedUploads };
    report.removed.push(removal);
    log.info("share removed", { ...removal });
    // The record as it was before the claim: owner, size and downloads left when it went.
    await emitAudit(deps, log, {
      type: "share.removed",
      file,
      requestId: options.requestId,
      ...shareFields(record),
      reason,
    });
  } catch (e) {
    report.failed++;
    log.error("share not removed; the next run retries", { reason, file, ...describeError(e) });
    await releaseClaim(deps, record.id, runId).catch(() => undefined); // else the claim lapses by itself
  }
}
