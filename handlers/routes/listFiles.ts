// GET /files: the signed-in caller's shares, newest first, read from the owner index (a Query, never a Scan),
// in pages. The cursor is the index position, checked on the way back in: it must name the caller. A position
// names a share by its key name (the table key, handlers/ids.ts), so a cursor never holds a share id.
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { createHash } from "node:crypto";
import { signedInUser } from "../auth";
import { Deps } from "../deps";
import { invalidRequest, unauthorized } from "../errors";
import { ApiRequest, ApiResponse } from "../http";
import { FileRecord } from "../records";
import { CREATED_AT_ATTRIBUTE, OWNER_ATTRIBUTE, OWNER_INDEX, TABLE_KEY, TTL_ATTRIBUTE } from "../../config/table";
import { KEY_NAME } from "../ids";
import { FILE_ID } from "../../contract/ids";
import { publicView } from "./files";

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

/** `id` is the table key: a key name (or, for a record from before key names, the old id; see decodeCursor). */
type Position = { id: string; owner: string; createdAt: string };

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
  let start: Position | undefined = cursor === undefined ? undefined : decodeCursor(cursor, user.sub);
  const now = Math.floor(deps.now().getTime() / 1000);
  const files: ReturnType<typeof publicView>[] = [];
  let next: Position | undefined;
  // A filtered Query page may come back short; read on until the page is full or the owner's items end.
  do {
    const out = await deps.db.send(
      new QueryCommand({
        TableName: deps.config.tableName,
        IndexName: OWNER_INDEX,
        KeyConditionExpression: "#owner = :owner",
        // What GET /files/{id} answers 200 for: not being deleted, not expired, downloads left; and stored with
        // its id (records from before key names have none, and no route finds them).
        FilterExpression:
          "#status <> :deleting AND #expires > :now AND (attribute_not_exists(#max) OR #downloads < #max) AND attribute_exists(#shareId)",
        ExpressionAttributeNames: {
          "#owner": OWNER_ATTRIBUTE,
          "#status": "status",
          "#expires": TTL_ATTRIBUTE,
          "#max": "maxDownloads",
          "#downloads": "downloads",
          "#shareId": "shareId",
        },
        ExpressionAttributeValues: { ":owner": user.sub, ":deleting": "deleting", ":now": now },
        ScanIndexForward: false,
        Limit: limit - files.length,
        ExclusiveStartKey:
          start === undefined
            ? undefined
            : { [TABLE_KEY]: start.id, [OWNER_ATTRIBUTE]: start.owner, [CREATED_AT_ATTRIBUTE]: start.createdAt },
      }),
    );
    // The filter kept only records with a shareId.
    for (const item of (out.Items ?? []) as (FileRecord & { shareId: string })[]) {
      files.push({
        ...publicView(item.shareId, item),
        shareUrl: `${request.baseUrl}files/${item.shareId}`,
        // The owner's own list of whom the share is for (GET /files/{id} never names them, not even to them).
        ...(item.recipients !== undefined ? { recipients: item.recipients } : {}),
      } as ReturnType<typeof publicView>);
    }
    const last = out.LastEvaluatedKey as Position | undefined;
    next = last === undefined ? undefined : { id: last.id, owner: user.sub, createdAt: last.createdAt };
    start = next;
  } while (next !== undefined && files.length < limit);
  return { status: 200, body: { files, nextCursor: next === undefined ? null : encodeCursor(next) } };
}
