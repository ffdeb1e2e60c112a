// What GET /config says about the stack's limits (docs/api.md), for checks the CLI makes before it sends anything.
import { callApi } from "./api";
import { EXIT } from "./errors";

export interface StackLimits {
  maxFileSizeBytes?: number;
  maxShareTtlSeconds?: number;
  defaultShareTtlSeconds?: number;
}

/** The stack's limits; empty for an older stack without GET /config (the API then checks alone). */
export async function stackLimits(apiUrl: string): Promise<StackLimits> {
  const config = await callApi<{ limits?: StackLimits }>(apiUrl, "GET", "config").catch((e) => {
    if ((e as { exitCode?: number }).exitCode === EXIT.unavailable) throw e;
    return undefined;
  });
  const limits = config?.limits ?? {};
  const number = (v: unknown) => (typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? v : undefined);
  return {
    maxFileSizeBytes: number(limits.maxFileSizeBytes),
    maxShareTtlSeconds: number(limits.maxShareTtlSeconds),
    defaultShareTtlSeconds: number(limits.defaultShareTtlSeconds),
  };
}
