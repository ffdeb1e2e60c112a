// `fileshare list`: the signed-in user's shares (GET /files), newest first, paging through the API's cursor.
import { callApi } from "./api";

interface Listed {
  id: string;
  fileName?: string;
  size: number;
  status: string;
  expiresAt: string;
  downloads: number;
  maxDownloads: number | null;
  shareUrl: string;
  passwordRequired?: boolean;
}

/** Up to `limit` shares (all when undefined), fetched `pageSize` (the API's most: 100) at a time. */
export async function listShares(
  apiUrl: string,
  auth: Record<string, string>,
  limit: number | undefined,
  pageSize = 100,
): Promise<Listed[]> {
  const shares: Listed[] = [];
  let cursor: string | null = null;
  do {
    const size = Math.min(pageSize, limit === undefined ? pageSize : limit - shares.length);
    const query = new URLSearchParams({ limit: String(size), ...(cursor ? { cursor } : {}) });
    const page: { files: Listed[]; nextCursor: string | null } = await callApi(apiUrl, "GET", `files?${query}`, {
      headers: auth,
    });
    shares.push(...page.files);
    cursor = page.nextCursor;
  } while (cursor !== null && (limit === undefined || shares.length < limit));
  return shares;
}

/** One line per share: link, status, size, downloads, expiry, name. */
export function formatShares(shares: readonly Listed[]): string {
  if (shares.length === 0) return "No shares.\n";
  return shares
    .map((s) =>
      [
        s.shareUrl,
        s.status,
        `${s.size} bytes`,
        `${s.downloads}/${s.maxDownloads ?? "∞"} downloads`,
        `expires ${s.expiresAt}`,
        s.fileName ?? "(password)",
      ].join("  "),
    )
    .join("\n")
    .concat("\n");
}
