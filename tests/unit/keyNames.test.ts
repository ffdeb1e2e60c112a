// Key names (handlers/ids.ts): what S3 keys and table keys hold instead of the share id, which is a credential.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import {
  fileItemKeyOf,
  fileKeyFor,
  fileKeyOf,
  KEY_NAME,
  keyNameFor,
  keyNameFromKey,
  shareFileKeyOf,
  uploadOfKey,
} from "../../handlers/ids";
import { FILE_ID } from "../../contract/ids";

describe("key names: S3 and table keys hold a one-way hash of the share id, never the id", () => {
  const ids = Array.from({ length: 200 }, () => randomBytes(16).toString("base64url"));

  it("a key name is 43 base64url characters, the same for the same id every time, and not the id", () => {
    for (const id of ids) {
      assert.match(id, FILE_ID);
      const name = keyNameFor(id);
      assert.match(name, /^[A-Za-z0-9_-]{43}$/);
      assert.match(name, KEY_NAME);
      assert.equal(keyNameFor(id), name, "deterministic");
      assert.notEqual(name, id);
      assert.ok(!name.includes(id), "the key name does not contain the id");
    }
    assert.equal(new Set(ids.map(keyNameFor)).size, ids.length, "different ids, different key names");
  });

  it("is SHA-256 with a domain prefix, not a bare hash of the id (fixed vector)", () => {
    // Pinned: changing the derivation would orphan every stored share.
    const id = "AbCdEfGhIjKlMnOpQrStUv";
    assert.equal(keyNameFor(id), "LOtmxJI5fuNsO9L_gKyVU-6YxdCczgneAykHXkaAAdg");
    assert.notEqual(keyNameFor(id), createHash("sha256").update(id).digest("base64url"));
  });

  it("fileKeyFor(id) is uploads/<key name> and never contains the id", () => {
    for (const id of ids) {
      const key = fileKeyFor(id);
      assert.equal(key, `uploads/${keyNameFor(id)}`);
      assert.equal(key, fileKeyOf(keyNameFor(id)));
      assert.ok(!key.includes(id), `${key} contains ${id}`);
    }
  });

  it("reads a key name back only from a well-formed upload key (an id-shaped key, as before, is not one)", () => {
    const name = keyNameFor(ids[0] as string);
    assert.equal(keyNameFromKey(`uploads/${name}`), name);
    assert.equal(keyNameFromKey(`uploads/${name}/x`), undefined);
    assert.equal(keyNameFromKey(`other/${name}`), undefined);
    assert.equal(keyNameFromKey(`uploads/${ids[0]}`), undefined);
    assert.equal(keyNameFromKey("uploads/short"), undefined);
  });

  it("puts file k of a share of several files at uploads/<key name>/<k>, and reads the share and k back from it", () => {
    const name = keyNameFor(ids[0] as string);
    assert.equal(shareFileKeyOf(name, 7), `uploads/${name}/7`);
    assert.equal(fileItemKeyOf(name, 7), `${name}/7`);
    assert.ok(!shareFileKeyOf(name, 7).includes(ids[0] as string));
    assert.deepEqual(uploadOfKey(`uploads/${name}/7`), { keyName: name, file: 7 });
    assert.deepEqual(uploadOfKey(`uploads/${name}`), { keyName: name });
    assert.equal(keyNameFromKey(`uploads/${name}/7`), undefined, "not a one-file share's key");
    // One spelling per file: no zero, no leading zero, no sign, no deeper key, nothing after.
    for (const bad of ["0", "07", "+7", "7/1", "7 ", "x", "", "10000"]) {
      assert.equal(uploadOfKey(`uploads/${name}/${bad}`), undefined, bad);
    }
  });
});
