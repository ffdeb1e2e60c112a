// Who may open a recipients share, over HTTP against `npm start`'s stack with sign-in (the local issuer's keys,
// real S3 and DynamoDB servers): access is checked before anything else is said about the share, emails match
// ASCII case-insensitively and otherwise exactly, and a token must name its signing key as Cognito's always do.
import assert from "node:assert/strict";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { keyNameFor } from "../../handlers/ids";
import { TABLE_KEY, TTL_ATTRIBUTE } from "../../config/table";
import { localSubFor } from "../../local/oidc";
import { LocalServer } from "../../local/server";
import { call, craftToken, share, startSignedInStack, tokenFor } from "../auth/support";

const KELVIN_KATE = "\u212Aate@example.com"; // U+212A KELVIN SIGN, which toLowerCase() turns into "k"

describe("Recipients shares and tokens (over HTTP, local issuer, real S3 and DynamoDB servers)", function () {
  this.timeout(120_000);
  let server: LocalServer;
  let alice: string;
  /** A verified token for `email`, signed with the issuer's key. */
  const tokenOf = (email: string) => craftToken(server, { email, sub: localSubFor(email) });

  before(async () => {
    server = await startSignedInStack();
    alice = await tokenFor(server, "alice@example.com");
  });
  after(async () => server?.close());

  it("matches recipients ASCII case-insensitively and everything else exactly (the Kelvin sign is not a k)", async () => {
    const forKate = await share(server, alice, { recipients: ["kate@example.com"] });
    assert.equal(
      (await call(server, "GET", `/files/${forKate.id}`, { token: await tokenOf(KELVIN_KATE) })).status,
      403,
    );
    const upper = await call(server, "GET", `/files/${forKate.id}`, { token: await tokenOf("KATE@Example.COM") });
    assert.equal(upper.status, 200, "ASCII case does not matter");

    const forKelvin = await share(server, alice, { recipients: [KELVIN_KATE] });
    const plain = await call(server, "GET", `/files/${forKelvin.id}`, { token: await tokenOf("kate@example.com") });
    assert.equal(plain.status, 403, "a plain k is not the Kelvin sign");
    const kelvin = await call(server, "GET", `/files/${forKelvin.id}`, { token: await tokenOf(KELVIN_KATE) });
    assert.equal(kelvin.status, 200, "the address as listed");
  });

  it("tells a non-recipient 401/403, never that the share is used up or expired", async () => {
    const kate = await tokenOf("kate@example.com");
    const mallory = await tokenOf("mallory@example.com");
    const usedUp = await share(server, alice, { recipients: ["kate@example.com"], maxDownloads: 1 });
    assert.equal((await call(server, "POST", `/files/${usedUp.id}/download`, { token: kate })).status, 200);

    const expired = await share(server, alice, { recipients: ["kate@example.com"] });
    const deps = server.backends.deps;
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: keyNameFor(expired.id) },
        UpdateExpression: "SET #expires = :past",
        ExpressionAttributeNames: { "#expires": TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ":past": Math.floor(Date.now() / 1000) - 10 },
      }),
    );

    for (const { id } of [usedUp, expired]) {
      for (const [method, path] of [
        ["GET", `/files/${id}`],
        ["POST", `/files/${id}/download`],
        ["POST", `/files/${id}/unlock`],
      ] as const) {
        const body = method === "POST" && path.endsWith("unlock") ? { password: "irrelevant" } : undefined;
        const anonymous = await call(server, method, path, { body });
        assert.equal(anonymous.status, 401, `${method} ${path} without a token: ${JSON.stringify(anonymous.json)}`);
        const stranger = await call(server, method, path, { token: mallory, body });
        assert.equal(stranger.status, 403, `${method} ${path} as a non-recipient: ${JSON.stringify(stranger.json)}`);
        assert.equal(stranger.json.error.code, "Forbidden");
      }
      assert.equal((await call(server, "GET", `/files/${id}`, { token: kate })).status, 410, "the recipient is told");
    }
  });

  it("refuses a token that names no signing key (no kid), though signed with the issuer's key", async () => {
    const alicesClaims = { sub: localSubFor("alice@example.com"), email: "alice@example.com" };
    const noKid = await craftToken(server, alicesClaims, { noKid: true });
    const mine = await share(server, alice);
    // A route that requires sign-in (the gateway's authorizer) and one that checks an optional token itself.
    const list = await call(server, "GET", "/files", { token: noKid });
    assert.equal(list.status, 401, `GET /files: ${JSON.stringify(list.json)}`);
    const del = await call(server, "DELETE", `/files/${mine.id}`, { token: noKid });
    assert.equal(del.status, 401, `DELETE: ${JSON.stringify(del.json)}`);
    assert.equal((await call(server, "GET", "/files", { token: alice })).status, 200, "a real token still works");
  });
});
