// The local gateway's stand-in for the write routes' authorizer (fileshare:apiKeys, infra/apiKeys.ts): the same
// decision (handlers/apiKeys.ts writeCaller), and the key compared with the one key configured locally, as API
// Gateway compares it with the stage's usage plans. Locally nothing is metered.
import { timingSafeEqual, createHash } from "node:crypto";
import { writeCaller } from "../handlers/apiKeys";
import type { TokenVerifier } from "../handlers/auth";
import { isHttpError } from "../handlers/errors";

/** The same text as API Gateway's INVALID_API_KEY answer (infra/openapi.ts GATEWAY_RESPONSES). */
export const INVALID_KEY = "The API key in x-api-key is not valid for this API; send your key, or sign in.";

const digest = (text: string) => createHash("sha256").update(text).digest();

/** Why a write request may not pass (status, code, message), or undefined when it may. */
export async function refuseWrite(
  headers: Record<string, string | undefined>,
  verify: TokenVerifier,
  localKey: string,
): Promise<{ status: number; code: string; message: string } | undefined> {
  try {
    const caller = await writeCaller(headers, verify);
    if (caller.kind === "signedIn") return undefined;
    // Compared as digests, in constant time: neither the length nor a prefix of the key leaks through timing.
    if (timingSafeEqual(digest(caller.key), digest(localKey))) return undefined;
    return { status: 403, code: "Forbidden", message: INVALID_KEY };
  } catch (e) {
    if (isHttpError(e)) return { status: e.httpStatus, code: e.code, message: e.message };
    throw e;
  }
}
