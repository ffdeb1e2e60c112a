// The owner's bearer token stands in for the delete token on every owner route (docs/api.md), and the published
// OpenAPI document says so: X-Delete-Token is never a required header. Against `npm start`'s stack over HTTP.
import assert from "node:assert/strict";
import { LocalServer } from "../../local/server";
import { call, startSignedInStack, tokenFor } from "./support";

const MIB = 1024 * 1024;

describe("the owner's bearer token on the owner routes (multipart parts, complete, upload URL)", function () {
  this.timeout(120000);
  let server: LocalServer;
  let alice: string;
  let bob: string;

  before(async () => {
    server = await startSignedInStack({
      FILESHARE_MULTIPART_THRESHOLD_BYTES: String(5 * MIB),
      FILESHARE_MULTIPART_PART_SIZE_BYTES: String(5 * MIB),
    });
    alice = await tokenFor(server, "alice@example.com");
    bob = await tokenFor(server, "bob@example.com");
  });
  after(async () => server?.close());

  it("answers the owner's token without X-Delete-Token on parts, list and complete, and refuses another user (403)", async () => {
    const created = await call(server, "POST", "/uploads", {
      token: alice,
      body: { fileName: "big.bin", contentType: "application/octet-stream", size: 6 * MIB },
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal(created.json.method, "MULTIPART");
    const id = created.json.id as string;

    const parts = await call(server, "POST", `/uploads/${id}/parts`, {
      token: alice,
      body: { parts: [{ partNumber: 1 }] },
    });
    assert.equal(parts.status, 200, JSON.stringify(parts.json));
    assert.equal(parts.json.parts[0].partNumber, 1);
    const theirs = await call(server, "POST", `/uploads/${id}/parts`, {
      token: bob,
      body: { parts: [{ partNumber: 1 }] },
    });
    assert.equal(theirs.status, 403);

    const held = await call(server, "GET", `/uploads/${id}/parts`, { token: alice });
    assert.equal(held.status, 200, JSON.stringify(held.json));
    assert.deepEqual(held.json.parts, []);

    // Complete is checked against what S3 holds: with nothing uploaded it is a 400 naming the part, not a 403.
    const complete = await call(server, "POST", `/uploads/${id}/complete`, {
      token: alice,
      body: {
        parts: [
          { partNumber: 1, etag: "x" },
          { partNumber: 2, etag: "y" },
        ],
      },
    });
    assert.equal(complete.status, 400, JSON.stringify(complete.json));
    assert.match(complete.json.error.message, /part 1/);
  });

  it("publishes X-Delete-Token as optional beside Authorization on every route that takes it", async () => {
    const doc = await call(server, "GET", "/openapi.json");
    assert.equal(doc.status, 200);
    let routes = 0;
    for (const [path, operations] of Object.entries(doc.json.paths as Record<string, Record<string, unknown>>)) {
      for (const [method, operation] of Object.entries(operations)) {
        const parameters = (
          (operation as { parameters?: { name: string; in: string; required?: boolean }[] }).parameters ?? []
        ).filter((p) => p.in === "header");
        const token = parameters.find((p) => p.name === "X-Delete-Token");
        if (token === undefined) continue;
        routes++;
        assert.equal(token.required, false, `${method} ${path}: the owner's bearer token also works`);
        assert.ok(
          parameters.some((p) => p.name === "Authorization"),
          `${method} ${path} lists Authorization as the other way`,
        );
      }
    }
    // DELETE /files/{id}, POST /uploads/{id}/url, and the three multipart routes.
    assert.equal(routes, 5);
  });
});
