// `fileshare list`: the signed-in user's shares (GET /files), newest first, paging through the API's cursor.
import { callApi } from "./api";
import { ShareView } from "./shareText";

/** Up to `limit` shares (all when undefined), fetched `pageSize` (the API's most: 100) at a time. */
export async function listShares(
  apiUrl: string,
  auth: Record<string, string>,
  limit: number | undefined,
  pageSize = 100,
): Promise<ShareView[]> {
  const shares: ShareView[] = [];
  let cursor: string | null = null;
  do {
    const size = Math.min(pageSize, limit === undefined ? pageSize : limit - shares.length);
    const query = new URLSearchParams({ limit: String(size), ...(cursor ? { cursor } : {}) });
    const page: { files: ShareView[]; nextCursor: string | null } = await callApi(apiUrl, "GET", `files?${query}`, {
      headers: auth,
    });
    shares.push(...page.files);
    cursor = page.nextCursor;
  } while (cursor !== null && (limit === undefined || shares.length < limit));
  return shares;
}
