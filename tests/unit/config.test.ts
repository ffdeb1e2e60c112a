// The naming rule of config/schema.ts: one environment variable per runtime field, none shared.
import assert from "node:assert/strict";
import { ENV_NAMES } from "../../config/runtime";
import { envName, SETTINGS } from "../../config/schema";

describe("environment variable names (config/schema.ts envName)", () => {
  it("are FILESHARE_ plus the key in upper snake case", () => {
    assert.equal(envName("maxFileSizeBytes"), "FILESHARE_MAX_FILE_SIZE_BYTES");
    assert.equal(envName("corsOrigins"), "FILESHARE_CORS_ORIGINS");
    assert.equal(ENV_NAMES.bucketName, "FILESHARE_BUCKET_NAME");
    assert.equal(ENV_NAMES.tableName, "FILESHARE_TABLE_NAME");
  });

  it("give every setting its own name, none taken by the local mode's own variables", () => {
    const names = SETTINGS.map((s) => envName(s.key));
    assert.equal(new Set(names).size, names.length, "two settings share an environment variable");
    for (const own of ["FILESHARE_DATA_DIR", "FILESHARE_MEMORY", "FILESHARE_BUCKET_NAME", "FILESHARE_TABLE_NAME"]) {
      assert.ok(!names.includes(own), `${own} is not a setting's name`);
    }
  });
});
