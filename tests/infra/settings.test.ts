// Config: the schema in config/schema.ts, its declaration in Pulumi.yaml, the committed stack files, and
// loadConfig's reading of Pulumi config (under mocks: no Pulumi CLI here).
import assert from "node:assert/strict";
import { loadConfig } from "../../infra/config";
import { parseSettings, SettingsError } from "../../config/parse";
import { SETTINGS } from "../../config/schema";
import { readYaml, runMocked, stackConfigText, STACKS } from "./mocks";

describe("settings validation (parseSettings)", () => {
  const rejects = (raw: Record<string, unknown>, ...parts: string[]) =>
    assert.throws(
      () => parseSettings(raw),
      (e: unknown) => e instanceof SettingsError && parts.every((p) => e.message.includes(p)),
    );

  it("rejects a download URL lifetime of 301 s, naming the key and the range 1 to 300", () => {
    rejects({ downloadUrlTtlSeconds: "301" }, "fileshare:downloadUrlTtlSeconds", "from 1 to 300");
  });

  it("rejects a log retention of 13 days, naming the key and listing CloudWatch's values", () => {
    rejects({ logRetentionDays: 13 }, "fileshare:logRetentionDays", "must be one of 1, 3, 5, 7, 14");
  });

  it('rejects "*" as a CORS origin, naming the key', () => {
    rejects({ corsOrigins: '["*"]' }, "fileshare:corsOrigins", '"*"');
    rejects({ corsOrigins: ["https://ok.example.com", "*"] }, "fileshare:corsOrigins");
  });

  it("rejects non-integers and non-booleans, naming the key", () => {
    rejects({ maxFileSizeBytes: "12.5" }, "fileshare:maxFileSizeBytes", "is not an integer");
    rejects({ uploadUrlTtlSeconds: "ten" }, "fileshare:uploadUrlTtlSeconds", "is not an integer");
    rejects({ protectData: "yes" }, "fileshare:protectData", "true or false");
    rejects({ allowedContentTypes: "application/pdf" }, "fileshare:allowedContentTypes", "JSON array");
  });

  it("rejects a default share lifetime above the maximum, naming both keys", () => {
    rejects(
      { defaultShareTtlSeconds: 7200, maxShareTtlSeconds: 3600 },
      "fileshare:defaultShareTtlSeconds",
      "fileshare:maxShareTtlSeconds",
    );
  });

  it("rejects a multipart abort sooner than the longest share, naming both keys", () => {
    rejects({ maxShareTtlSeconds: 14 * 86400, multipartAbortDays: 13 }, "fileshare:multipartAbortDays", "(14)");
    assert.equal(parseSettings({ maxShareTtlSeconds: 14 * 86400, multipartAbortDays: 14 }).multipartAbortDays, 14);
  });

  it("rejects a share limit below the file limit, naming both keys, and more than 1000 files in a share", () => {
    rejects(
      { maxFileSizeBytes: 2048, maxShareSizeBytes: 1024 },
      "fileshare:maxShareSizeBytes (1024)",
      "fileshare:maxFileSizeBytes (2048)",
    );
    assert.equal(parseSettings({ maxFileSizeBytes: 2048, maxShareSizeBytes: 2048 }).maxShareSizeBytes, 2048);
    rejects({ maxFilesPerShare: 1001 }, "fileshare:maxFilesPerShare", "from 1 to 1000");
    rejects({ maxFilesPerShare: 0 }, "fileshare:maxFilesPerShare", "from 1 to 1000");
  });

  it("accepts files up to S3's 5 TiB object limit and parts no smaller than S3's 5 MiB minimum", () => {
    const largest = { maxFileSizeBytes: 5 * 1024 ** 4, maxShareSizeBytes: 5 * 1024 ** 4 };
    assert.equal(parseSettings(largest).maxFileSizeBytes, 5 * 1024 ** 4);
    rejects({ maxFileSizeBytes: 5 * 1024 ** 4 + 1 }, "fileshare:maxFileSizeBytes", "from 1 to 5497558138880");
    rejects({ multipartPartSizeBytes: 5 * 1024 ** 2 - 1 }, "fileshare:multipartPartSizeBytes", "from 5242880");
    rejects({ multipartThresholdBytes: 5 * 1024 ** 3 + 1 }, "fileshare:multipartThresholdBytes", "to 5368709120");
  });

  it("takes the schema defaults for missing keys", () => {
    const settings = parseSettings({});
    for (const spec of SETTINGS) {
      // The one setting whose empty default is resolved (to allowed without a type list): see encryption-settings.test.ts.
      if (spec.key === "encryption") assert.equal(settings.encryption, "allowed");
      else assert.deepEqual(settings[spec.key], spec.default, spec.key);
    }
  });
});

describe("Pulumi.yaml and the stack files", () => {
  const project = readYaml("Pulumi.yaml");

  it("declares exactly the SETTINGS keys, with the same types, defaults and descriptions", () => {
    assert.equal(project.name, "fileshare");
    const expected = Object.fromEntries(
      SETTINGS.map((s) => [
        `fileshare:${s.key}`,
        {
          type: s.type,
          ...(s.type === "array" ? { items: { type: "string" } } : {}),
          default: s.default,
          description: s.description,
        },
      ]),
    );
    assert.deepEqual(project.config, expected);
  });

  it("runs TypeScript on the nodejs runtime", () => {
    assert.equal(project.runtime.name, "nodejs");
    assert.equal(project.runtime.options.typescript, true);
  });

  for (const stack of STACKS) {
    it(`Pulumi.${stack}.yaml sets only declared keys, a region, and values that pass validation`, () => {
      const file = readYaml(`Pulumi.${stack}.yaml`).config as Record<string, unknown>;
      for (const key of Object.keys(file)) {
        assert.ok(key === "aws:region" || key in project.config, `${key} is not declared in Pulumi.yaml`);
      }
      assert.match(String(file["aws:region"]), /^[a-z]{2}-[a-z]+-\d$/);
      const raw = Object.fromEntries(SETTINGS.map((s) => [s.key, stackConfigText(stack)[`fileshare:${s.key}`]]));
      assert.doesNotThrow(() => parseSettings(raw));
    });
  }

  it("keeps prod's data (protected, 90+ days of logs, https origins only) and lets dev's go", () => {
    const dev = readYaml("Pulumi.dev.yaml").config;
    const prod = readYaml("Pulumi.prod.yaml").config;
    assert.equal(dev["fileshare:protectData"], false);
    assert.equal(prod["fileshare:protectData"], true);
    assert.ok(prod["fileshare:logRetentionDays"] >= 90);
    assert.ok(dev["fileshare:logRetentionDays"] < prod["fileshare:logRetentionDays"]);
    assert.ok((prod["fileshare:corsOrigins"] as string[]).every((o) => o.startsWith("https://")));
    assert.equal(prod["fileshare:production"], true, "prod refuses placeholders and a missing alarm email");
  });

  it("sets each stack's share limits: a share holds 100 files, and at most five of the stack's largest", () => {
    const settingsOf = (stack: (typeof STACKS)[number]) =>
      parseSettings(Object.fromEntries(SETTINGS.map((s) => [s.key, stackConfigText(stack)[`fileshare:${s.key}`]])));
    const [dev, prod] = [settingsOf("dev"), settingsOf("prod")];
    assert.equal(prod.maxFilesPerShare, 100);
    assert.equal(prod.maxShareSizeBytes, 5 * prod.maxFileSizeBytes);
    assert.equal(dev.maxFilesPerShare, 100);
    assert.equal(dev.maxShareSizeBytes, 5 * dev.maxFileSizeBytes);
  });
});

describe("loadConfig (Pulumi config under mocks)", function () {
  // Whole-program builds under mocks on a busy machine: a deadline for hangs only.
  this.timeout(600_000);
  it("reads every key of the dev stack, arrays from JSON text, and the stack name", async () => {
    const { result } = await runMocked("dev", loadConfig);
    assert.equal(result.stack, "dev");
    assert.equal(result.settings.protectData, false);
    assert.equal(result.settings.logRetentionDays, 7);
    assert.deepEqual(result.settings.corsOrigins, ["http://localhost:3000", "http://127.0.0.1:3000"]);
  });

  it("reads prod's list of content types and its protection", async () => {
    const { result } = await runMocked("prod", loadConfig);
    assert.equal(result.settings.protectData, true);
    assert.ok(result.settings.allowedContentTypes.includes("application/pdf"));
  });

  it("stops the program with the key and the range when a stack sets an invalid value", async () => {
    const config = { ...stackConfigText("dev"), "fileshare:downloadUrlTtlSeconds": "301" };
    await assert.rejects(
      runMocked("dev", loadConfig, config),
      /fileshare:downloadUrlTtlSeconds: 301 must be an integer from 1 to 300/,
    );
    const origins = { ...stackConfigText("dev"), "fileshare:corsOrigins": '["*"]' };
    await assert.rejects(runMocked("dev", loadConfig, origins), /fileshare:corsOrigins/);
  });
});
