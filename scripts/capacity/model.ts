// The capacity model: what a month of shares costs and at how many shares a second each quota or hot key is
// reached, from the measured calls per step (flows.ts) and the prices and quotas (prices.ts).
import type { Settings } from "../../config/schema";
import { MAX_PARTS_PER_REQUEST, planParts } from "../../contract/parts";
import { OWNER_INDEX, SWEEP_INDEX } from "../../config/table";
import { emptyStep, STEPS, StepCalls, total } from "./flows";
import { LAMBDA, PRICES, QUOTAS } from "./prices";

export interface Workload {
  sharesPerDay: number;
  /** Average file size, bytes. */
  avgSizeBytes: number;
  /** Downloads per share. */
  downloads: number;
  /** Share of the shares made by a signed-in user (0-1). */
  signedIn: number;
  /** How shares end: deleted by their owner, or expired and removed by the clean-up. */
  ending: "expiry" | "delete";
}

const DAYS_PER_MONTH = 30;
const SECONDS_PER_DAY = 86400;
const GB = 1e9;

/** The calls of one share's whole life: create, upload, confirm, one view, its downloads, its end. */
export function perShare(w: Workload, settings: Settings): StepCalls {
  const steps: StepCalls[] = [];
  const scaled = scale;
  const owned = w.signedIn;
  const anonymous = 1 - owned;
  if (w.avgSizeBytes > settings.multipartThresholdBytes) {
    const parts = planParts(w.avgSizeBytes, settings.multipartPartSizeBytes).partCount;
    steps.push(STEPS.createMultipart, scaled(STEPS.signParts, Math.ceil(parts / MAX_PARTS_PER_REQUEST)));
    steps.push(scaled(STEPS.uploadParts, parts / 10), STEPS.complete, STEPS.confirmMultipart);
  } else {
    steps.push(scaled(STEPS.create, anonymous), scaled(STEPS.createSignedIn, owned), STEPS.put);
    steps.push(scaled(STEPS.confirm, anonymous), scaled(STEPS.confirmSignedIn, owned));
  }
  steps.push(STEPS.view, scaled(STEPS.download, w.downloads * anonymous));
  steps.push(scaled(STEPS.downloadOwned, w.downloads * owned));
  steps.push(w.ending === "delete" ? STEPS.delete : STEPS.expire);
  return total(steps);
}

/** A step done `times` times (a fraction: on average). */
function scale(step: StepCalls, times: number): StepCalls {
  const each = (bag: Record<string, number>) =>
    Object.fromEntries(Object.entries(bag).flatMap(([k, v]) => (v * times === 0 ? [] : [[k, v * times]])));
  return {
    ...emptyStep(),
    api: step.api * times,
    lambda: each(step.lambda),
    dynamodb: each(step.dynamodb),
    rru: step.rru * times,
    wru: step.wru * times,
    indexWru: each(step.indexWru),
    s3: each(step.s3),
    putEvents: step.putEvents * times,
    kms: step.kms * times,
  };
}

const sum = (bag: Record<string, number>) => Object.values(bag).reduce((a, b) => a + b, 0);
/** S3 requests priced as PUT/COPY/POST/LIST; DELETE and abort are free; everything else is GET-class. */
const S3_PUT_CLASS = new Set([
  "PutObject",
  "UploadPart",
  "CreateMultipartUpload",
  "CompleteMultipartUpload",
  "ListObjectsV2",
  "ListObjectVersions",
  "ListMultipartUploads",
  "ListParts",
]);
const S3_FREE = new Set(["DeleteObject", "DeleteObjects", "AbortMultipartUpload"]);
const s3Classes = (s3: Record<string, number>) => {
  let put = 0;
  let get = 0;
  for (const [type, n] of Object.entries(s3)) {
    if (S3_PUT_CLASS.has(type)) put += n;
    else if (!S3_FREE.has(type)) get += n;
  }
  return { put, get };
};

/** Seconds between clean-up runs on AWS (an EventBridge schedule in whole minutes). */
export const cleanupPeriodSeconds = (settings: Settings) => Math.ceil(settings.cleanupIntervalSeconds / 60) * 60;

export interface Cost {
  service: string;
  usd: number;
  note: string;
}

/** Monthly cost by service. */
export function monthlyCost(w: Workload, settings: Settings): Cost[] {
  const shares = w.sharesPerDay * DAYS_PER_MONTH;
  const share = perShare(w, settings);
  const runs = (DAYS_PER_MONTH * SECONDS_PER_DAY) / cleanupPeriodSeconds(settings);
  const idle = STEPS.cleanupIdle;
  const invocations = sum(share.lambda) * shares;
  const gbSeconds =
    LAMBDA.memoryGb.value *
    (invocations * LAMBDA.apiDurationSeconds.value + runs * LAMBDA.cleanupDurationSeconds.value);
  const writes = (share.wru + sum(share.indexWru)) * shares + (idle.wru + sum(idle.indexWru)) * runs;
  const reads = share.rru * shares + idle.rru * runs;
  const s3 = s3Classes(share.s3);
  const s3Idle = s3Classes(idle.s3);
  const lifetimeDays = w.ending === "delete" ? 1 : settings.defaultShareTtlSeconds / SECONDS_PER_DAY;
  // A removed object stays one more day as a noncurrent version (the bucket's lifecycle rule).
  const storedGb = (w.sharesPerDay * (lifetimeDays + 1) * w.avgSizeBytes) / GB;
  const apiRequests = share.api * shares;
  const costs: Cost[] = [
    {
      service: "Lambda",
      usd: (invocations + runs) * PRICES.lambdaRequest.value + gbSeconds * PRICES.lambdaArmGbSecond.value,
      note: `${fmt(invocations + runs)} invocations, ${fmt(gbSeconds)} GB-s`,
    },
    { service: "API Gateway", usd: apiRequests * PRICES.apiRestRequest.value, note: `${fmt(apiRequests)} requests` },
    {
      service: "DynamoDB",
      usd: writes * PRICES.dynamoWriteUnit.value + reads * PRICES.dynamoReadUnit.value,
      note: `${fmt(writes)} write units (indexes included), ${fmt(reads)} read units; storage not counted`,
    },
    {
      service: "S3 requests",
      usd:
        (s3.put * shares + s3Idle.put * runs) * PRICES.s3PutClass.value +
        (s3.get * shares + s3Idle.get * runs) * PRICES.s3GetClass.value,
      note: `${fmt(s3.put * shares + s3Idle.put * runs)} PUT/LIST-class, ${fmt(s3.get * shares + s3Idle.get * runs)} GET-class`,
    },
    {
      service: "S3 storage",
      usd: storedGb * PRICES.s3StorageGbMonth.value,
      note: `${fmt(storedGb)} GB held (${lifetimeDays} day(s) of shares + 1 day of noncurrent versions)`,
    },
    {
      service: "Data transfer out",
      usd: ((shares * w.downloads * w.avgSizeBytes) / GB) * PRICES.transferOutGb.value,
      note: `${fmt((shares * w.downloads * w.avgSizeBytes) / GB)} GB downloaded (first tier's price throughout)`,
    },
    {
      service: "EventBridge",
      usd: share.putEvents * shares * PRICES.eventBridgeEvent.value,
      note: `${fmt(share.putEvents * shares)} audit events`,
    },
  ];
  if (settings.waf) {
    costs.push({
      service: "WAF",
      usd: PRICES.wafWebAcl.value + 2 * PRICES.wafRule.value + apiRequests * PRICES.wafRequest.value,
      note: "1 web ACL, 2 rules, every API request inspected",
    });
  }
  return costs;
}

export interface Ceiling {
  /** What runs out, with the Service Quotas name or setting to raise. */
  what: string;
  /** Shares per second (averaged over the day: peaks come sooner) at which it is reached. */
  sharesPerSecond: number;
  /** Whole stack, or only one client, owner or share. */
  scope: "stack" | "per client IP" | "per owner";
  raise: string;
}

/** Every ceiling, lowest first. */
export function ceilings(w: Workload, settings: Settings): Ceiling[] {
  const share = perShare(w, settings);
  const perRoute = share.lambda; // every API request runs its route's function once
  const busiest = Object.entries(perRoute)
    .filter(([fn]) => fn !== "objectCreated" && fn !== "cleanup")
    .sort((a, b) => b[1] - a[1])[0] ?? ["createUpload", 1];
  // For S3's request rates, LIST requests are GETs (HTTP GET), whatever their price class.
  const writes = ["PutObject", "UploadPart", "CreateMultipartUpload", "CompleteMultipartUpload", "DeleteObject"];
  const putRate = writes.reduce((n, type) => n + (share.s3[type] ?? 0), 0);
  const getRate = sum(share.s3) - putRate;
  const out: Ceiling[] = [
    {
      what: `API Gateway stage throttle on the busiest route (${busiest[0]}, ${busiest[1]} requests a share): fileshare:apiThrottleRateLimit ${settings.apiThrottleRateLimit}/s per method`,
      sharesPerSecond: settings.apiThrottleRateLimit / busiest[1],
      scope: "stack",
      raise: "fileshare:apiThrottleRateLimit (and apiThrottleBurstLimit), up to the account throttle",
    },
    {
      what: `API Gateway account throttle, ${QUOTAS.apiAccountRps.value} requests/s over ${share.api} requests a share`,
      sharesPerSecond: QUOTAS.apiAccountRps.value / share.api,
      scope: "stack",
      raise: "Service Quotas: Amazon API Gateway > Throttle rate",
    },
    {
      what: `Lambda concurrency, ${QUOTAS.lambdaConcurrency.value} at ${LAMBDA.apiDurationSeconds.value} s each over ${sum(share.lambda)} invocations a share`,
      sharesPerSecond: QUOTAS.lambdaConcurrency.value / (sum(share.lambda) * LAMBDA.apiDurationSeconds.value),
      scope: "stack",
      raise: "Service Quotas: AWS Lambda > Concurrent executions",
    },
    {
      what: `EventBridge PutEvents, ${QUOTAS.eventBridgePutEventsTps.value}/s over ${share.putEvents} events a share (one PutEvents call each)`,
      sharesPerSecond: QUOTAS.eventBridgePutEventsTps.value / share.putEvents,
      scope: "stack",
      raise: "Service Quotas: Amazon EventBridge > PutEvents throttle limit in transactions per second",
    },
    {
      what: `DynamoDB sweep index, ${settings.sweepShards} shard(s) x ${QUOTAS.dynamoPartitionWcu.value} write units/s over ${share.indexWru[SWEEP_INDEX] ?? 0} index write units a share`,
      sharesPerSecond: (settings.sweepShards * QUOTAS.dynamoPartitionWcu.value) / (share.indexWru[SWEEP_INDEX] ?? 1),
      scope: "stack",
      raise: `fileshare:sweepShards (up to 32; no quota to ask for)`,
    },
    {
      what: `DynamoDB table, ${QUOTAS.dynamoTableWru.value} write units/s over ${share.wru + sum(share.indexWru)} a share (indexes included)`,
      sharesPerSecond: QUOTAS.dynamoTableWru.value / (share.wru + sum(share.indexWru)),
      scope: "stack",
      raise: "Service Quotas: Amazon DynamoDB > Table-level write throughput limit (on-demand)",
    },
    {
      what: `S3 uploads/ prefix, ${QUOTAS.s3PrefixPutRps.value} PUT/POST/DELETE/s over ${putRate} a share`,
      sharesPerSecond: QUOTAS.s3PrefixPutRps.value / putRate,
      scope: "stack",
      raise: "nothing to ask for: S3 partitions a busy prefix by itself over minutes (503 SlowDown meanwhile)",
    },
    {
      what: `S3 uploads/ prefix, ${QUOTAS.s3PrefixGetRps.value} GET/HEAD/LIST/s over ${getRate} a share`,
      sharesPerSecond: QUOTAS.s3PrefixGetRps.value / getRate,
      scope: "stack",
      raise: "nothing to ask for: S3 partitions a busy prefix by itself over minutes (503 SlowDown meanwhile)",
    },
  ];
  if (w.ending === "expiry") {
    out.push({
      what: `the clean-up, ${settings.cleanupBatchSize} shares per run every ${cleanupPeriodSeconds(settings)} s, one share after another`,
      sharesPerSecond: settings.cleanupBatchSize / cleanupPeriodSeconds(settings),
      scope: "stack",
      raise:
        "fileshare:cleanupBatchSize (to 1000) and fileshare:cleanupIntervalSeconds (to 60); beyond about 5 shares/s a run no longer fits its 300 s claim: a design change (remove in parallel, one run per shard)",
    });
  }
  if (w.signedIn > 0) {
    out.push({
      what: `Cognito UserAuthentication, ${QUOTAS.cognitoUserAuthenticationRps.value}/s, assuming one sign-in or token refresh per signed-in share (pessimistic)`,
      sharesPerSecond: QUOTAS.cognitoUserAuthenticationRps.value / w.signedIn,
      scope: "stack",
      raise: "Service Quotas: Amazon Cognito user pools > Rate of UserAuthentication requests",
    });
    const ownerUnits = (share.indexWru[OWNER_INDEX] ?? 0) / w.signedIn;
    out.push({
      what: `DynamoDB owner index, one owner's partition: ${QUOTAS.dynamoPartitionWcu.value} write units/s over ${ownerUnits} a share of theirs`,
      sharesPerSecond: QUOTAS.dynamoPartitionWcu.value / ownerUnits,
      scope: "per owner",
      raise: "nothing to ask for: a design change (project fewer attributes, or no download counter, into byOwner)",
    });
  }
  if (settings.waf) {
    out.push({
      what: `WAF per-IP rule, fileshare:wafRateLimit ${settings.wafRateLimit} requests per 5 minutes over ${share.api} a share`,
      sharesPerSecond: settings.wafRateLimit / 300 / share.api,
      scope: "per client IP",
      raise: "fileshare:wafRateLimit",
    });
  }
  return out.sort((a, b) => a.sharesPerSecond - b.sharesPerSecond);
}

/** The first ceiling the whole stack reaches. */
export function firstCeiling(w: Workload, settings: Settings): Ceiling {
  return ceilings(w, settings).find((c) => c.scope === "stack")!;
}

/** A number for people: 3 significant digits, thousands separated. */
export function fmt(n: number): string {
  if (n === 0) return "0";
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(n))));
  return n.toLocaleString("en-US", { maximumFractionDigits: Math.min(digits, 4) });
}
