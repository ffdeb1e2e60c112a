// The naming rule of config/schema.ts: one environment variable per runtime field, none shared.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ENV_NAMES, OTHER_ENV_NAMES } from "../../config/runtime";
import { envName, SETTINGS } from "../../config/schema";

const ROOT = join(__dirname, "..", "..");
/** Every .ts file under a folder of the repository, with its path. */
function sources(folder: string): { path: string; text: string }[] {
  return (readdirSync(join(ROOT, folder), { recursive: true }) as string[])
    .filter((f) => f.endsWith(".ts"))
    .map((f) => ({ path: join(folder, f), text: readFileSync(join(ROOT, folder, f), "utf8") }));
}

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

  it("name the variables outside RuntimeConfig by the same rule (the names deployed stacks and docs use)", () => {
    assert.deepEqual(OTHER_ENV_NAMES, {
      pageApiKey: "FILESHARE_PAGE_API_KEY",
      auditBusName: "FILESHARE_AUDIT_BUS_NAME",
      auditSource: "FILESHARE_AUDIT_SOURCE",
      logKey: "FILESHARE_LOG_KEY",
      logLevel: "FILESHARE_LOG_LEVEL",
      authEmailDomains: "FILESHARE_AUTH_EMAIL_DOMAINS",
    });
    const all = [...Object.values(ENV_NAMES), ...Object.values(OTHER_ENV_NAMES)];
    assert.equal(new Set(all).size, all.length, "two fields share an environment variable");
  });

  it("are never written by hand in the Lambda code or the stack's definition: each comes from the rule", () => {
    // A quoted FILESHARE_ name in code (comments aside) is a second declaration of a name the rule already makes.
    const handWritten = [...sources("handlers"), ...sources("infra")].flatMap(({ path, text }) =>
      text
        .split("\n")
        .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line) && /["'`]FILESHARE_[A-Z_]+/.test(line))
        .map((line) => `${path}: ${line.trim()}`),
    );
    assert.deepEqual(handWritten, []);
  });
});
