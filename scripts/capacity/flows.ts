// What each step of a share's life costs in AWS calls, declared by hand from an instrumented local run
// (tests/capacity/flows.test.ts measures every flow and fails when a measured step differs from this table, so a
// new call on the hot path changes this file on purpose). The calculator (scripts/capacity/) prices these.

/** The AWS calls one step makes. */
export interface StepCalls {
  /** API Gateway requests. */
  api: number;
  /** Lambda invocations by function (a route's name, objectCreated, cleanup). */
  lambda: Record<string, number>;
  /** DynamoDB calls by operation. */
  dynamodb: Record<string, number>;
  /** Read units (eventually consistent index reads count half). */
  rru: number;
  /** Write units on the table, as DynamoDB reports them. */
  wru: number;
  /** Write units on each index, computed from the items before and after each write and the index projection. */
  indexWru: Record<string, number>;
  /** S3 requests by type, the clients' own pre-signed requests included. */
  s3: Record<string, number>;
  /** EventBridge PutEvents calls (one audit event each). */
  putEvents: number;
  /** KMS calls made by the functions themselves (the table and bucket use AWS managed keys). */
  kms: number;
}

export function emptyStep(): StepCalls {
  return { api: 0, lambda: {}, dynamodb: {}, rru: 0, wru: 0, indexWru: {}, s3: {}, putEvents: 0, kms: 0 };
}

/** The step names. */
export type StepName = keyof typeof STEPS;

/** Every step, measured on 2026-12-07 against the local stack (dynalite, patched s3rver) with the default
 *  settings (sweepShards 8, cleanupBatchSize 100), a 11-byte file and a 10 x 5 MiB multipart file. */
export const STEPS = {
  /** POST /uploads, anonymous, single PUT. */
  create: {
    api: 1,
    lambda: { createUpload: 1 },
    dynamodb: { PutItem: 1 },
    rru: 0,
    wru: 1,
    indexWru: { bySweepAt: 1 },
    s3: {},
    putEvents: 1,
    kms: 0,
  },
  /** The client's PUT to the pre-signed URL. */
  put: { ...emptyStep(), s3: { PutObject: 1 } },
  /** S3's ObjectCreated event confirms the upload. */
  confirm: {
    api: 0,
    lambda: { objectCreated: 1 },
    dynamodb: { GetItem: 1, UpdateItem: 1 },
    rru: 1,
    wru: 1,
    indexWru: { bySweepAt: 2 },
    s3: { HeadObject: 1 },
    putEvents: 1,
    kms: 0,
  },
  /** GET /files/{id}. */
  view: {
    api: 1,
    lambda: { getFile: 1 },
    dynamodb: { GetItem: 1 },
    rru: 1,
    wru: 0,
    indexWru: {},
    s3: {},
    putEvents: 0,
    kms: 0,
  },
  /** POST /files/{id}/download, then the client's GET of the pre-signed URL (unlimited downloads). */
  download: {
    api: 1,
    lambda: { downloadFile: 1 },
    dynamodb: { GetItem: 1, UpdateItem: 1 },
    rru: 1,
    wru: 1,
    indexWru: {},
    s3: { GetObject: 1 },
    putEvents: 1,
    kms: 0,
  },
  /** DELETE /files/{id} of a single-PUT share. */
  delete: {
    api: 1,
    lambda: { deleteFile: 1 },
    dynamodb: { GetItem: 1, UpdateItem: 1, DeleteItem: 1 },
    rru: 1,
    wru: 2,
    indexWru: { bySweepAt: 3 },
    s3: { ListMultipartUploads: 1, ListObjectVersions: 1, DeleteObject: 1 },
    putEvents: 1,
    kms: 0,
  },
  /** POST /uploads of a 10-part file: the record and S3's CreateMultipartUpload. */
  createMultipart: {
    api: 1,
    lambda: { createUpload: 1 },
    dynamodb: { PutItem: 1 },
    rru: 0,
    wru: 1,
    indexWru: { bySweepAt: 1 },
    s3: { CreateMultipartUpload: 1 },
    putEvents: 1,
    kms: 0,
  },
  /** POST /uploads/{id}/parts for all 10 parts at once. */
  signParts: {
    api: 1,
    lambda: { signUploadParts: 1 },
    dynamodb: { GetItem: 1 },
    rru: 1,
    wru: 0,
    indexWru: {},
    s3: {},
    putEvents: 0,
    kms: 0,
  },
  /** The client's 10 UploadPart requests. */
  uploadParts: { ...emptyStep(), s3: { UploadPart: 10 } },
  /** S3's event confirms a multipart upload: its sweep time is already the expiry, so the index is untouched. */
  confirmMultipart: {
    api: 0,
    lambda: { objectCreated: 1 },
    dynamodb: { GetItem: 1, UpdateItem: 1 },
    rru: 1,
    wru: 1,
    indexWru: {},
    s3: { HeadObject: 1 },
    putEvents: 1,
    kms: 0,
  },
  /** POST /uploads/{id}/complete: checks the parts S3 holds, completes, records it. */
  complete: {
    api: 1,
    lambda: { completeUpload: 1 },
    dynamodb: { GetItem: 2, UpdateItem: 1 },
    rru: 2,
    wru: 1,
    indexWru: {},
    s3: { ListParts: 1, CompleteMultipartUpload: 1 },
    putEvents: 0,
    kms: 0,
  },
  /** One scheduled clean-up run that finds nothing due in an empty bucket: every shard read, the bucket listed. */
  cleanupIdle: {
    api: 0,
    lambda: { cleanup: 1 },
    dynamodb: { Query: 33 },
    rru: 16.5,
    wru: 0,
    indexWru: {},
    s3: { ListObjectsV2: 2 },
    putEvents: 0,
    kms: 0,
  },
  /** What a run spends on each expired share on top of an idle run: claim, remove every version, delete record. */
  expire: {
    api: 0,
    lambda: {},
    dynamodb: { UpdateItem: 1, DeleteItem: 1 },
    rru: 0,
    wru: 2,
    indexWru: { bySweepAt: 1 },
    s3: { ListMultipartUploads: 1, ListObjectVersions: 1, DeleteObject: 1 },
    putEvents: 1,
    kms: 0,
  },
  /** POST /uploads by a signed-in user (the record enters the owner index too). */
  createSignedIn: {
    api: 1,
    lambda: { createUpload: 1 },
    dynamodb: { PutItem: 1 },
    rru: 0,
    wru: 1,
    indexWru: { byOwner: 1, bySweepAt: 1 },
    s3: {},
    putEvents: 1,
    kms: 0,
  },
  /** S3's event confirms a signed-in user's upload: the owner index (all attributes) is written too. */
  confirmSignedIn: {
    api: 0,
    lambda: { objectCreated: 1 },
    dynamodb: { GetItem: 1, UpdateItem: 1 },
    rru: 1,
    wru: 1,
    indexWru: { byOwner: 1, bySweepAt: 2 },
    s3: { HeadObject: 1 },
    putEvents: 1,
    kms: 0,
  },
  /** A download of a signed-in user's share: its counter is projected into the owner index too. */
  downloadOwned: {
    api: 1,
    lambda: { downloadFile: 1 },
    dynamodb: { GetItem: 1, UpdateItem: 1 },
    rru: 1,
    wru: 1,
    indexWru: { byOwner: 1 },
    s3: { GetObject: 1 },
    putEvents: 1,
    kms: 0,
  },
  /** GET /files: one page of the owner's shares (the owner holds one share here). */
  list: {
    api: 1,
    lambda: { listFiles: 1 },
    dynamodb: { Query: 1 },
    rru: 0.5,
    wru: 0,
    indexWru: {},
    s3: {},
    putEvents: 0,
    kms: 0,
  },
} satisfies Record<string, StepCalls>;

/** The flows a share goes through, as sequences of steps (a step name repeated is a step done again). */
export const FLOWS: Record<string, StepName[]> = {
  "single PUT: create, PUT, confirm, view, 3 downloads, delete": [
    "create",
    "put",
    "confirm",
    "view",
    "download",
    "download",
    "download",
    "delete",
  ],
  "multipart (10 parts): create, sign, 10 parts, complete, confirm, view, 3 downloads, delete": [
    "createMultipart",
    "signParts",
    "uploadParts",
    "complete",
    "confirmMultipart",
    "view",
    "download",
    "download",
    "download",
    "delete",
  ],
  "expiry: create, PUT, confirm, then removed by a clean-up run": ["create", "put", "confirm", "cleanupIdle", "expire"],
  "signed in: create, PUT, confirm, download, list": [
    "createSignedIn",
    "put",
    "confirmSignedIn",
    "downloadOwned",
    "list",
  ],
};

/** The sum of some steps. */
export function total(steps: readonly StepCalls[]): StepCalls {
  const sum = emptyStep();
  const merge = (into: Record<string, number>, from: Record<string, number>, times = 1) => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v * times;
  };
  for (const s of steps) {
    sum.api += s.api;
    sum.rru += s.rru;
    sum.wru += s.wru;
    sum.putEvents += s.putEvents;
    sum.kms += s.kms;
    merge(sum.lambda, s.lambda);
    merge(sum.dynamodb, s.dynamodb);
    merge(sum.indexWru, s.indexWru);
    merge(sum.s3, s.s3);
  }
  return sum;
}
