// A whole share's life, every success and every error path a client can reach, written once and run against
// any way of calling the API (the local gateway, the serialized Lambda functions). It returns the secrets it saw
// (ids, delete tokens, S3 keys, URL signatures) so a test can look for them in the logs.
import assert from "node:assert/strict";

export interface FlowReply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface FlowClient {
  /** One API call; a string body is sent as it is, anything else as JSON. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<FlowReply>;
  /** Resolves when the S3 events so far are handled. */
  idle(): Promise<void>;
}

/** The values that must never appear in a log in clear. */
export interface Secrets {
  ids: string[];
  deleteTokens: string[];
  signatures: string[];
}

const signatureOf = (url: string) => new URL(url).searchParams.get("X-Amz-Signature") ?? "";

async function put(created: FlowReply, bytes: Buffer): Promise<number> {
  const r = await fetch(created.json.uploadUrl, {
    method: "PUT",
    headers: created.json.headers,
    body: new Uint8Array(bytes),
  });
  await r.arrayBuffer();
  return r.status;
}

/** Runs the flow, asserting each status on the way; returns every secret it was handed. */
export async function wholeFlow(client: FlowClient): Promise<Secrets> {
  const secrets: Secrets = { ids: [], deleteTokens: [], signatures: [] };
  const expect = async (status: number, reply: Promise<FlowReply>, what: string) => {
    const r = await reply;
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.json)}`);
    return r;
  };
  const create = async (fields: Record<string, unknown>) => {
    const r = await expect(201, client.call("POST", "/uploads", fields), "create");
    secrets.ids.push(r.json.id);
    secrets.deleteTokens.push(r.json.deleteToken);
    secrets.signatures.push(signatureOf(r.json.uploadUrl));
    return r;
  };
  const bytes = Buffer.from("hello, world");
  const file = { fileName: "a.txt", contentType: "text/plain", size: bytes.length };

  // Refused creations.
  await expect(400, client.call("POST", "/uploads", "{not json"), "bad JSON");
  await expect(400, client.call("POST", "/uploads", { ...file, size: -1 }), "bad size");
  await expect(413, client.call("POST", "/uploads", { ...file, size: 10 ** 12 }), "too large");

  // A pending share: viewable, not downloadable, not deletable without its token.
  const a = await create({ ...file, maxDownloads: 1 });
  const id = a.json.id as string;
  await expect(200, client.call("GET", `/files/${id}`), "view pending");
  await expect(409, client.call("POST", `/files/${id}/download`), "download pending");
  await expect(403, client.call("DELETE", `/files/${id}`), "delete without token");
  await expect(403, client.call("DELETE", `/files/${id}`, undefined, { "x-delete-token": "wrong" }), "wrong token");

  // Upload, confirm, view, download (the limit is 1), then Gone.
  assert.equal(await put(a, bytes), 200);
  await client.idle();
  assert.equal((await expect(200, client.call("GET", `/files/${id}`), "view")).json.status, "available");
  const download = await expect(200, client.call("POST", `/files/${id}/download`), "download");
  secrets.signatures.push(signatureOf(download.json.downloadUrl));
  const got = await fetch(download.json.downloadUrl);
  assert.equal(Buffer.from(await got.arrayBuffer()).toString(), bytes.toString());
  await expect(410, client.call("POST", `/files/${id}/download`), "no downloads left");
  await expect(410, client.call("GET", `/files/${id}`), "view when used up");

  // Delete, then everything about it is 404; an upload through the old URL finds no record and is removed.
  const token = a.json.deleteToken as string;
  await expect(204, client.call("DELETE", `/files/${id}`, undefined, { "x-delete-token": token }), "delete");
  await expect(404, client.call("DELETE", `/files/${id}`, undefined, { "x-delete-token": token }), "delete again");
  await expect(404, client.call("GET", `/files/${id}`), "view deleted");
  await expect(404, client.call("POST", `/files/${id}/download`), "download deleted");
  assert.equal(await put(a, bytes), 200, "the old upload URL still writes once");
  await client.idle(); // ObjectCreated: no record, the object is deleted and logged

  // Unknown and malformed ids.
  await expect(404, client.call("GET", `/files/${"A".repeat(22)}`), "unknown id");
  await expect(404, client.call("GET", "/files/short"), "malformed id");

  // A share deleted before its upload arrived.
  const b = await create(file);
  await expect(
    204,
    client.call("DELETE", `/files/${b.json.id}`, undefined, { "x-delete-token": b.json.deleteToken }),
    "delete pending",
  );
  return secrets;
}

/** Every secret (and every S3 key derived from an id) found in `text`, for an assertion message. */
export function leaks(text: string, secrets: Secrets): string[] {
  const all = [
    ...secrets.ids.flatMap((id) => [id, `uploads/${id}`]),
    ...secrets.deleteTokens,
    ...secrets.signatures,
  ].filter((s) => s !== "");
  const found = all.filter((s) => text.includes(s));
  // Any pre-signed URL at all, whoever it was for.
  if (/X-Amz-Signature=|X-Amz-Credential=/i.test(text)) found.push("a pre-signed URL");
  return found;
}
