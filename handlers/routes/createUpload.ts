// POST /uploads: record the share as pending and hand out a pre-signed PUT. No bytes pass through here.
import { emitAudit, shareFields } from "../audit";
import { signedInUser } from "../auth";
import { Deps } from "../deps";
import { unauthorized } from "../errors";
import { ApiRequest, ApiResponse, callerFields, parseJsonObject } from "../http";
import { fileKeyOf, keyNameFor } from "../ids";
import { newShareRecord } from "../newShare";
import { abortMultipartUpload, createMultipartUpload } from "../multipart";
import { planParts } from "../../contract/parts";
import { signUpload } from "../objects";
import { epoch, FileRecord, pendingSweepAt, putRecord } from "../store/records";
import { parseUploadRequest } from "../validation";

export async function createUpload(request: ApiRequest, deps: Deps): Promise<ApiResponse> {
  // A token, when sent, must be good even where sign-in is optional: a bad one is a 401, never "anonymous".
  const user = await signedInUser(request, deps.verifyToken);
  if (user === undefined && deps.config.authUploadsRequireSignIn) {
    throw unauthorized("Sign in to share files on this service (send Authorization: Bearer <ID token>).");
  }
  const upload = parseUploadRequest(parseJsonObject(request), deps.config);
  const now = deps.now();
  const id = deps.random(16);
  const keyName = keyNameFor(id);
  const deleteToken = deps.random(32);
  const expiresAtEpoch = epoch(now) + upload.expiresInSeconds;
  const record: FileRecord & Required<Pick<FileRecord, "fileKey" | "contentType" | "size">> = {
    ...(await newShareRecord({ id, keyName, deleteToken, user, options: upload, now, expiresAtEpoch })),
    fileKey: fileKeyOf(keyName),
    fileName: upload.fileName,
    contentType: upload.contentType,
    ...(upload.encryptedMetadata !== undefined ? { encryptedMetadata: upload.encryptedMetadata } : {}),
    size: upload.size,
    sha256: upload.sha256,
  };
  const shareUrl = `${request.baseUrl}files/${id}`;
  if (upload.size > deps.config.multipartThresholdBytes) {
    // Large files go up in parts: the client asks for part URLs with POST /uploads/{id}/parts.
    const plan = planParts(upload.size, deps.config.multipartPartSizeBytes);
    const uploadId = await createMultipartUpload(deps, record.fileKey, record.contentType, upload.checksumSha256);
    record.multipart = { uploadId, ...plan, checksumSha256: upload.checksumSha256 };
    // Its part URLs may be used until the share expires: the clean-up takes it then (aborting the parts, or
    // deleting the completed object), never earlier as an abandoned single PUT.
    record.sweepAtEpoch = expiresAtEpoch;
    try {
      await putRecord(deps, record);
    } catch (e) {
      await abortMultipartUpload(deps, { key: record.fileKey, uploadId }).catch(() => undefined); // no record: nothing may use the upload
      throw e;
    }
    request.log.info("multipart upload created", {
      file: deps.fingerprint(keyName),
      size: record.size,
      parts: plan.partCount,
    });
    await auditCreated(request, deps, record);
    return {
      status: 201,
      body: {
        id,
        fileKey: record.fileKey,
        method: "MULTIPART",
        multipart: plan,
        expiresAt: record.expiresAt,
        shareUrl,
        deleteToken,
      },
    };
  }
  // The upload URL never outlives the share it uploads to.
  const uploadExpiresIn = Math.min(deps.config.uploadUrlTtlSeconds, upload.expiresInSeconds);
  record.sweepAtEpoch = pendingSweepAt(expiresAtEpoch, epoch(now), uploadExpiresIn);
  await putRecord(deps, record);
  const signed = await signUpload(deps, record.fileKey, record, uploadExpiresIn);
  request.log.info("upload created", { file: deps.fingerprint(keyName), size: record.size });
  await auditCreated(request, deps, record);
  return {
    status: 201,
    body: {
      id,
      fileKey: record.fileKey,
      uploadUrl: signed.url,
      method: "PUT",
      headers: signed.headers,
      expiresIn: uploadExpiresIn,
      expiresAt: record.expiresAt,
      shareUrl,
      deleteToken,
    },
  };
}

/** The share.created audit event (best-effort: the share exists whatever happens to it). */
function auditCreated(request: ApiRequest, deps: Deps, record: FileRecord): Promise<void> {
  return emitAudit(deps, request.log, {
    type: "share.created",
    file: deps.fingerprint(record.id),
    requestId: request.requestId,
    ...shareFields(record),
    ...callerFields(request, deps.fingerprint),
    multipart: record.multipart !== undefined,
  });
}
