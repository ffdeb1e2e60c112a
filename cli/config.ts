// What GET /config says about the stack (docs/api.md), for checks the CLI makes before it sends anything.
import { callApi } from "./api";
import { EXIT } from "./errors";

export interface StackLimits {
  maxFileSizeBytes?: number;
  maxShareTtlSeconds?: number;
  defaultShareTtlSeconds?: number;
  /** v1.2: shares of several files. */
  maxFilesPerShare?: number;
  maxShareSizeBytes?: number;
  multipartThresholdBytes?: number;
  multipartPartSizeBytes?: number;
  /** End-to-end encryption on this stack (its fileshare:encryption setting); undefined for a stack that predates it. */
  encryption?: "allowed" | "required" | "off";
  /** GET /config's apiVersion ("1.1", "1.2"…); undefined for a stack without GET /config. */
  apiVersion?: string;
}

/** The stack's limits; empty for an older stack without GET /config (the API then checks alone). */
export async function stackLimits(apiUrl: string): Promise<StackLimits> {
  const config = await callApi<{ apiVersion?: unknown; limits?: Record<string, unknown> }>(
    apiUrl,
    "GET",
    "config",
  ).catch((e) => {
    if ((e as { exitCode?: number }).exitCode === EXIT.unavailable) throw e;
    return undefined;
  });
  const limits = config?.limits ?? {};
  const number = (v: unknown) => (typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? v : undefined);
  return {
    maxFileSizeBytes: number(limits["maxFileSizeBytes"]),
    maxShareTtlSeconds: number(limits["maxShareTtlSeconds"]),
    defaultShareTtlSeconds: number(limits["defaultShareTtlSeconds"]),
    maxFilesPerShare: number(limits["maxFilesPerShare"]),
    maxShareSizeBytes: number(limits["maxShareSizeBytes"]),
    multipartThresholdBytes: number(limits["multipartThresholdBytes"]),
    multipartPartSizeBytes: number(limits["multipartPartSizeBytes"]),
    encryption: ["allowed", "required", "off"].includes(limits["encryption"] as string)
      ? (limits["encryption"] as StackLimits["encryption"])
      : undefined,
    apiVersion: typeof config?.apiVersion === "string" ? config.apiVersion : undefined,
  };
}

/** Whether the stack serves `POST /shares`: API version 1.2 or later, or a stack that states the share limits (a
 *  stack building 1.2 answers them before it bumps its version). */
export function servesShares(limits: StackLimits): boolean {
  const [major, minor] = (limits.apiVersion ?? "").split(".").map(Number);
  const v12 = major !== undefined && minor !== undefined && (major > 1 || (major === 1 && minor >= 2));
  return v12 || limits.maxFilesPerShare !== undefined;
}
