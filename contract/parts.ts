// The plan of a multipart upload: how a file of a given size is cut into parts. The server answers POST /uploads
// with it (handlers/routes/createUpload.ts); the CLI predicts it to hash each part while it reads the file once.

/** S3's most parts in one upload. */
export const MAX_PARTS = 10_000;
/** The most parts one POST /uploads/{id}/parts may ask URLs for. */
export const MAX_PARTS_PER_REQUEST = 100;
const MIB = 1024 * 1024;

/** How a file is cut into parts: every part is `partSize` bytes except the last. */
export interface PartPlan {
  partSize: number;
  partCount: number;
}

/** The part size for a file: at least `minPartSize`, and large enough (whole MiB) that it fits in MAX_PARTS. */
export function planParts(size: number, minPartSize: number): PartPlan {
  const partSize = Math.max(minPartSize, Math.ceil(size / MAX_PARTS / MIB) * MIB);
  return { partSize, partCount: Math.ceil(size / partSize) };
}

/** The exact length of part `partNumber` (1-based) of a file of `size` bytes. */
export function partLength(size: number, plan: PartPlan, partNumber: number): number {
  return partNumber < plan.partCount ? plan.partSize : size - (plan.partCount - 1) * plan.partSize;
}
