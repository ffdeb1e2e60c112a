// The stack setting `encryption` (config/schema.ts) and what it makes POST /uploads and POST /shares accept: the
// empty default resolved once by parseSettings (allowed, or off on a stack with a type list), GET /config's limits,
// and the 400s that name the setting.
import assert from "node:assert/strict";
import { parseSettings } from "../../config/parse";
import { runtimeConfig } from "../../config/runtime";
import { Settings } from "../../config/schema";
import { stackDescription } from "../../handlers/routes/getConfig";
import { parseShareRequest, parseUploadRequest } from "../../handlers/validation";

const config = (raw: Partial<Record<keyof Settings, unknown>>) => runtimeConfig(parseSettings(raw), "b", "t");
const encrypted = { encryption: "aes128gcm", encryptedMetadata: "A".repeat(40), size: 100 };
const plain = { fileName: "a.txt", contentType: "text/plain", size: 100 };

/** The status and message a parse throws, or "ok". */
function outcome(parse: () => unknown): string {
  try {
    parse();
    return "ok";
  } catch (e) {
    const err = e as { httpStatus?: number; message: string };
    if (err.httpStatus === undefined) throw e;
    return `${err.httpStatus} ${err.message}`;
  }
}

describe("The encryption setting and encrypted POST /uploads and POST /shares bodies", () => {
  it("resolves the empty default: allowed, but off on a stack with allowedContentTypes; an explicit value stays", () => {
    assert.equal(parseSettings({}).encryption, "allowed");
    assert.equal(parseSettings({ allowedContentTypes: ["text/plain"] }).encryption, "off");
    assert.equal(parseSettings({ allowedContentTypes: ["text/plain"], encryption: "allowed" }).encryption, "allowed");
    assert.equal(parseSettings({ allowedContentTypes: ["text/plain"], encryption: "required" }).encryption, "required");
    assert.equal(parseSettings({ encryption: "off" }).encryption, "off");
    assert.throws(
      () => parseSettings({ encryption: "on" }),
      /fileshare:encryption: "on" must be one of allowed, required, off/,
    );
  });

  it("tells clients the mode in force in GET /config's limits (the page gets the same limits)", () => {
    assert.equal(stackDescription(config({})).limits.encryption, "allowed");
    assert.equal(stackDescription(config({ allowedContentTypes: ["text/plain"] })).limits.encryption, "off");
    assert.equal(stackDescription(config({ encryption: "required" })).limits.encryption, "required");
  });

  it("accepts both kinds where allowed; the encrypted one is application/octet-stream with its metadata opaque", () => {
    const c = config({});
    assert.deepEqual(
      { ...parseUploadRequest(encrypted, c), expiresInSeconds: 0 },
      {
        encryption: "aes128gcm",
        encryptedMetadata: "A".repeat(40),
        contentType: "application/octet-stream",
        size: 100,
        sha256: undefined,
        checksumSha256: false,
        expiresInSeconds: 0,
        maxDownloads: undefined, // the default 0: unlimited
        password: undefined,
      },
    );
    assert.equal(
      outcome(() => parseUploadRequest(plain, c)),
      "ok",
    );
  });

  it("refuses a plain share where encryption is required, and an encrypted one where it is off, naming the setting", () => {
    assert.match(
      outcome(() => parseUploadRequest(plain, config({ encryption: "required" }))),
      /^400 .*only end-to-end encrypted shares \(its setting fileshare:encryption, locally FILESHARE_ENCRYPTION, says required\)/,
    );
    assert.equal(
      outcome(() => parseUploadRequest(encrypted, config({ encryption: "required" }))),
      "ok",
    );
    assert.match(
      outcome(() => parseUploadRequest(encrypted, config({ encryption: "off" }))),
      /^400 This stack does not accept end-to-end encrypted shares: its setting fileshare:encryption, locally FILESHARE_ENCRYPTION, says off/,
    );
  });

  it("refuses encrypted files on a stack with allowedContentTypes unless it says allowed or required, and then skips the type list", () => {
    const listed = { allowedContentTypes: ["text/plain"] };
    assert.match(
      outcome(() => parseUploadRequest(encrypted, config(listed))),
      /^400 .*it has a list of allowed types \(fileshare:allowedContentTypes.*does not say allowed or required/,
    );
    assert.equal(
      outcome(() => parseUploadRequest(encrypted, config({ ...listed, encryption: "allowed" }))),
      "ok",
    );
    // The list still holds for plain files there.
    assert.match(
      outcome(() =>
        parseUploadRequest({ ...plain, contentType: "image/png" }, config({ ...listed, encryption: "allowed" })),
      ),
      /^415 /,
    );
  });

  it("POST /shares: encryption for the whole share, encryptedMetadata per file, an encryptedTitle in place of title, errors naming files[i]", () => {
    const c = config({});
    const share = { encryption: "aes128gcm", files: [encrypted, encrypted], encryptedTitle: "B".repeat(40) };
    const parsed = parseShareRequest(share, c);
    assert.equal(parsed.encryption, "aes128gcm");
    assert.equal(parsed.encryptedTitle, "B".repeat(40));
    assert.deepEqual(
      parsed.files.map((f) => [f.fileName, f.contentType, f.encryptedMetadata]),
      [
        [undefined, "application/octet-stream", "A".repeat(40)],
        [undefined, "application/octet-stream", "A".repeat(40)],
      ],
    );
    assert.match(
      outcome(() => parseShareRequest({ ...share, files: [encrypted, { ...encrypted, fileName: "b.txt" }] }, c)),
      /^400 files\[1\]\.fileName must be left out of an encrypted file/,
    );
    assert.match(
      outcome(() => parseShareRequest({ ...share, title: "Holiday" }, c)),
      /^400 title must be left out of an encrypted share: send it encrypted as encryptedTitle/,
    );
    assert.match(
      outcome(() => parseShareRequest({ files: [plain], encryptedTitle: "B".repeat(40) }, c)),
      /^400 encryptedTitle belongs to an encrypted share/,
    );
    assert.match(
      outcome(() => parseShareRequest({ files: [{ ...plain, encryptedMetadata: "A".repeat(40) }] }, c)),
      /^400 files\[0\]\.encryptedMetadata belongs to an encrypted share/,
    );
  });
});
