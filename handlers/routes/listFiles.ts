// GET /files: the signed-in caller's shares, newest first, read from the owner index (a Query, never a Scan),
// in pages. The cursor is the index position, checked on the way back in: it must name the caller. A position
// names a share by its key name (the table key, handlers/ids.ts), so a cursor never holds a share id.
import { createHash } from "node:crypto";
import { signedInUser } from "../auth";
import { Deps } from "../deps";
import { invalidRequest, unauthorized } from "../errors";
import { ApiRequest, ApiResponse } from "../http";
import { listByOwner, OwnerPosition } from "../store/ownerList";
import { KEY_NAME } from "../ids";
import { FILE_ID } from "../../contract/ids";
import { loadShareView } from "../shareAccess";

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

/** `id` is the table key: a key name (or, for a record from before key names, the old id; see decodeCursor). */
type Position = OwnerPosition;

/** A short tag of the owner, so that a cursor handed to one user is refused from another. */
const ownerTag = (owner: string) => createHash("sha256").update(owner).digest("base64url").slice(0, 16);

/** The opaque cursor: the index position of the last item and its owner's tag, base64url JSON. */
export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.id, position.createdAt, ownerTag(position.owner)]), "utf8").toString(
    "base64url",
  );
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/;

/** A cursor back to an index position of `owner`'s shares; 400 for anything this API did not hand out. */
export function decodeCursor(cursor: string, owner: string): Position {
  const bad = () => invalidRequest("cursor is not one this API handed out to you; start again without a cursor.");
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw bad();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  if (!Array.isArray(value) || value.length !== 3 || value[2] !== ownerTag(owner)) throw bad();
  const [id, createdAt] = value as unknown[];
  // A record stored before key names are keyed by its id, which opens nothing any more (no route looks it up),
  // may end a page until it expires: its key is then the caller's own old id.
  const isKey = (key: unknown) => typeof key === "string" && (KEY_NAME.test(key) || FILE_ID.test(key));
  if (!isKey(id) || typeof createdAt !== "string" || !ISO_TIME.test(createdAt)) throw bad();
  return { id: id as string, owner, createdAt };
}

function pageSize(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PAGE_SIZE;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_PAGE_SIZE) {
    throw invalidRequest(
      `limit must be an integer from 1 to ${MAX_PAGE_SIZE}; got ${JSON.stringify(text.slice(0, 20))}.`,
    );
  }
  return n;
}

export async function listFiles(request: ApiRequest, deps: Deps): Promise<ApiResponse> {
  const user = await signedInUser(request, deps.verifyToken);
  if (user === undefined) throw unauthorized("Sign in to see your files.");
  const limit = pageSize(request.query["limit"]);
  const cursor = request.query["cursor"];
  const start = cursor === undefined ? undefined : decodeCursor(cursor, user.sub);
  const { records, next } = await listByOwner(deps, user.sub, limit, start);
  // The files of every share of the page at once (one BatchGetItem per share of several files).
  const views = await Promise.all(records.map((record) => loadShareView(deps, record.shareId, record)));
  const files = records.map((record, i) => ({
    ...views[i],
    shareUrl: `${request.baseUrl}files/${record.shareId}`,
    // The owner's own list of whom the share is for (GET /files/{id} never names them, not even to them).
    ...(record.recipients !== undefined ? { recipients: record.recipients } : {}),
  }));
  return { status: 200, body: { files, nextCursor: next === undefined ? null : encodeCursor(next) } };
}
