// `npm start` on a machine other people use: its data folder is its user's only whatever the umask, its S3 and
// DynamoDB answer only the data folder's own credentials, and another local user (nobody, where the machine
// lets root switch to it) gets nothing from either server and can read nothing in the folder. Its user gets
// the servers' settings with `npm run -s local-env`, which the AWS CLI takes as they are.
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { ScanCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createS3Client } from "../../handlers/clients";
import { ACCESS_FILE } from "../../local/access";
import { LOCAL_BUCKET, LOCAL_TABLE } from "../../local/settings";
import { LocalProcess, REPO_ROOT, startLocalProcess } from "./server";

const run = promisify(execFile);

/** Every folder and file under `dir` (itself included) with its permission bits, e.g. { "s3/": 0o700 }. */
async function modes(dir: string, root = dir): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const stat = await lstat(dir);
  out.set(dir === root ? "./" : dir.slice(root.length + 1) + "/", stat.mode & 0o777);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) for (const [k, v] of await modes(path, root)) out.set(k, v);
    else if (!entry.isSymbolicLink()) out.set(path.slice(root.length + 1), (await lstat(path)).mode & 0o777);
  }
  return out;
}

/** A histogram like "0600 x 27, 0700 x 9" (what the report quotes). */
const summary = (found: Map<string, number>) =>
  Object.entries(
    [...found.values()].reduce<Record<string, number>>((acc, m) => {
      const key = `0${m.toString(8)}`;
      acc[key] = (acc[key] ?? 0) + 1;
      return acc;
    }, {}),
  )
    .map(([mode, n]) => `${mode} x ${n}`)
    .join(", ");

/** `npm run -s local-env -- --data-dir DIR`, parsed. */
async function localEnv(dataDir: string): Promise<Record<string, string>> {
  const { stdout } = await run("npm", ["run", "-s", "local-env", "--", "--data-dir", dataDir], { cwd: REPO_ROOT });
  const vars: Record<string, string> = {};
  for (const line of stdout.trim().split("\n")) {
    const m = /^export ([A-Z0-9_]+)='([^']*)'$/.exec(line);
    assert.ok(m, `an export line: ${line}`);
    vars[m[1]!] = m[2]!;
  }
  return vars;
}

/** Starts `npm start` with the given umask (children inherit it; ours is restored at once). */
async function startWithUmask(umask: number, dataDir: string): Promise<LocalProcess> {
  const previous = process.umask(umask);
  try {
    const started = startLocalProcess({ via: "direct", args: ["--data-dir", dataDir] });
    return await started;
  } finally {
    process.umask(previous);
  }
}

/** Whether root can run commands as `nobody` here (runuser needs root). */
async function canRunAsNobody(): Promise<boolean> {
  try {
    await run("runuser", ["-u", "nobody", "--", "true"]);
    return true;
  } catch {
    return false;
  }
}

describe("npm start on a shared machine", () => {
  // outer/ is world-traversable, so only the data folder's own modes keep other users out of it.
  let outer: string;
  let dataDir: string;
  let local: LocalProcess | undefined;
  before(async () => {
    outer = await mkdtemp(join(tmpdir(), "fileshare-shared-"));
    await chmod(outer, 0o755);
    dataDir = join(outer, "data");
  });
  after(async () => {
    await local?.stop();
    await rm(outer, { recursive: true, force: true });
  });

  it("makes a fresh data folder 0700 and every file in it 0600 under umask 000 (objects, records, keys, credentials)", async () => {
    local = await startWithUmask(0o000, dataDir);
    // An upload through the API: an object in the local S3, a record in the local DynamoDB.
    const created = await fetch(new URL("uploads", local.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ fileName: "modes.txt", contentType: "text/plain", size: 5 }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const upload = (await created.json()) as { uploadUrl: string; headers: Record<string, string> };
    const put = await fetch(upload.uploadUrl, { method: "PUT", headers: upload.headers, body: "hello" });
    assert.equal(put.status, 200, await put.text());
    const found = await modes(dataDir);
    console.log(`      modes in a fresh data folder under umask 000: ${summary(found)}`);
    for (const name of [ACCESS_FILE, "oidc-issuer.json", "log-key", "fileshare.pid"]) {
      assert.ok(found.has(name), `${name} is in the data folder`);
    }
    assert.ok(
      [...found.keys()].some((k) => k.startsWith("dynamodb/")),
      "LevelDB files are there",
    );
    assert.ok(
      [...found.keys()].some((k) => k.endsWith("._S3rver_object")),
      "the object is there",
    );
    for (const [path, mode] of found) {
      assert.equal(mode, path.endsWith("/") ? 0o700 : 0o600, `${path}: 0${mode.toString(8)}`);
    }
  });

  it("prints, with npm run -s local-env, export lines the AWS SDK and the AWS CLI use as they are", async () => {
    const vars = await localEnv(dataDir);
    assert.deepEqual(Object.keys(vars).sort(), [
      "AWS_ACCESS_KEY_ID",
      "AWS_ENDPOINT_URL_DYNAMODB",
      "AWS_ENDPOINT_URL_S3",
      "AWS_REGION",
      "AWS_SECRET_ACCESS_KEY",
      "FILESHARE_BUCKET_NAME",
      "FILESHARE_TABLE_NAME",
    ]);
    assert.deepEqual([vars["FILESHARE_BUCKET_NAME"], vars["FILESHARE_TABLE_NAME"]], [LOCAL_BUCKET, LOCAL_TABLE]);
    const credentials = { accessKeyId: vars["AWS_ACCESS_KEY_ID"]!, secretAccessKey: vars["AWS_SECRET_ACCESS_KEY"]! };
    const s3 = createS3Client({
      region: vars["AWS_REGION"],
      endpoint: vars["AWS_ENDPOINT_URL_S3"],
      credentials,
      forcePathStyle: true,
    });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: vars["FILESHARE_BUCKET_NAME"] }));
    assert.equal(listed.KeyCount, 1, "the uploaded object is listed");
    const db = new DynamoDBClient({
      region: vars["AWS_REGION"],
      endpoint: vars["AWS_ENDPOINT_URL_DYNAMODB"],
      credentials,
    });
    assert.equal((await db.send(new ScanCommand({ TableName: vars["FILESHARE_TABLE_NAME"] }))).Count, 1);
    s3.destroy();
    db.destroy();
  });

  it('lets eval "$(npm run -s local-env)" then aws s3 ls list the bucket (AWS CLI v2 at /usr/bin/aws; skipped without it)', async function () {
    if (!existsSync("/usr/bin/aws")) return this.skip(); // awscli is not installed: nothing to run
    const script = `eval "$(npm run -s local-env -- --data-dir '${dataDir}')" && /usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL_S3" s3 ls "s3://$FILESHARE_BUCKET_NAME/" --recursive`;
    const { stdout } = await run("bash", ["-c", script], {
      cwd: REPO_ROOT,
      env: { ...process.env, AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" },
    });
    assert.match(stdout, /\s5\s+\S+/, `one 5-byte object listed: ${stdout}`);
  });

  it("gives another local user (nobody) nothing: no file of the data folder, nothing from either server, whatever the credentials (skipped where root cannot run as nobody)", async function () {
    if (!(await canRunAsNobody())) return this.skip(); // not root: the modes and credential tests above prove it
    const vars = await localEnv(dataDir);
    const asNobody = async (command: string, args: string[]) =>
      run("runuser", ["-u", "nobody", "--", command, ...args]).then(
        ({ stdout }) => ({ ok: true, out: stdout }),
        (e: { stdout?: string; stderr?: string }) => ({ ok: false, out: `${e.stdout ?? ""}${e.stderr ?? ""}` }),
      );
    for (const path of [dataDir, join(dataDir, ACCESS_FILE), join(dataDir, "oidc-issuer.json"), join(dataDir, "s3")]) {
      const read = await asNobody("cat", [path]);
      const list = await asNobody("ls", [path]);
      assert.ok(!read.ok && !list.ok, `nobody cannot read or list ${path}`);
      assert.match(read.out + list.out, /Permission denied/);
    }
    const s3 = vars["AWS_ENDPOINT_URL_S3"]!;
    const dynamo = vars["AWS_ENDPOINT_URL_DYNAMODB"]!;
    const curl = (args: string[]) => asNobody("curl", ["-s", "-w", "\n%{http_code}", ...args]);
    const dynamoCall = ["-H", "Content-Type: application/x-amz-json-1.0", "-H", "X-Amz-Target: DynamoDB_20120810.Scan"];
    const scan = ["--data", JSON.stringify({ TableName: LOCAL_TABLE })];
    const answers = {
      s3Unsigned: await curl([`${s3}/${LOCAL_BUCKET}/`]),
      s3BuiltIn: await curl([
        "-H",
        "x-amz-content-sha256: UNSIGNED-PAYLOAD",
        "--aws-sigv4",
        "aws:amz:us-east-1:s3",
        "--user",
        "S3RVER:S3RVER",
        `${s3}/${LOCAL_BUCKET}/`,
      ]),
      dynamoUnsigned: await curl([...dynamoCall, ...scan, dynamo]),
      dynamoGuessed: await curl([
        ...dynamoCall,
        ...scan,
        "--aws-sigv4",
        "aws:amz:us-east-1:dynamodb",
        "--user",
        "AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        dynamo,
      ]),
    };
    console.log(
      `      what nobody gets: ${Object.entries(answers)
        .map(
          ([k, v]) =>
            `${k} -> ${v.out.trim().split("\n").pop()} ${/<Code>(\w+)|#(\w+)/.exec(v.out)?.slice(1).find(Boolean) ?? ""}`,
        )
        .join("; ")}`,
    );
    assert.match(answers.s3Unsigned.out, /<Code>AccessDenied<\/Code>[\s\S]*\n403$/);
    assert.match(answers.s3BuiltIn.out, /<Code>InvalidAccessKeyId<\/Code>[\s\S]*\n403$/);
    assert.match(answers.dynamoUnsigned.out, /#MissingAuthenticationTokenException[\s\S]*\n400$/);
    assert.match(answers.dynamoGuessed.out, /#UnrecognizedClientException[\s\S]*\n400$/);
    assert.doesNotMatch(JSON.stringify(answers), /modes\.txt|fileName/, "no record or object name leaked");
  });

  it("keeps the local S3's port across a restart (URLs handed out before still point at it) and tightens a folder loosened meanwhile, with one line saying so", async () => {
    const before = await localEnv(dataDir);
    await local?.stop();
    local = undefined;
    await chmod(dataDir, 0o755);
    await chmod(join(dataDir, ACCESS_FILE), 0o644);
    await mkdir(join(dataDir, "copied"), { mode: 0o755 });
    await writeFile(join(dataDir, "copied", "note"), "x", { mode: 0o644 });
    await chmod(join(dataDir, "copied", "note"), 0o644);
    local = await startWithUmask(0o022, dataDir);
    const lines = local
      .stdout()
      .split("\n")
      .filter((l) => l.includes("readable by other users"));
    assert.equal(lines.length, 1, local.stdout());
    assert.match(lines[0]!, /\(4 entries\): now its owner's only \(folders 0700, files 0600\)/);
    for (const [path, mode] of await modes(dataDir)) {
      assert.equal(mode, path.endsWith("/") ? 0o700 : 0o600, `${path}: 0${mode.toString(8)}`);
    }
    const after = await localEnv(dataDir);
    assert.equal(after["AWS_ENDPOINT_URL_S3"], before["AWS_ENDPOINT_URL_S3"]);
    assert.equal(after["AWS_SECRET_ACCESS_KEY"], before["AWS_SECRET_ACCESS_KEY"], "the same credentials");
  });

  it("local-env says no fileshare runs when none does, and refuses --memory", async () => {
    await local?.stop();
    local = undefined;
    const none = await run("npm", ["run", "-s", "local-env", "--", "--data-dir", dataDir], { cwd: REPO_ROOT }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal((none as { code: number }).code, 1);
    assert.match((none as { stderr: string }).stderr, /no fileshare is running on the data folder .*npm start/);
    const memory = await run("npm", ["run", "-s", "local-env", "--", "--memory"], { cwd: REPO_ROOT }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    assert.match((memory as { stderr: string }).stderr, /--memory run keeps its credentials to itself/);
  });
});
