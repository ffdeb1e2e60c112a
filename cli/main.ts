// The `fileshare` command line: upload, download, info, delete, list, login, logout. Every failure is one line on stderr and an
// exit code from cli/errors.ts; results go to stdout.
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { callApi, resolveApiUrl } from "./api";
import { rmSync } from "node:fs";
import { download, partialFiles } from "./download";
import { cliError, EXIT, isCliError } from "./errors";
import { LinkTarget, linkTarget, originOf, untrustedNotice } from "./linkTarget";
import { formatDuration, parseDuration } from "./duration";
import { servesShares, StackLimits, stackLimits } from "./config";
import { listShares } from "./list";
import { describeShare, describeShares, ShareView } from "./shareText";
import { spoolFolders, stdinName, withStdinFile } from "./stdin";
import { cliVersion } from "./version";
import { promptHidden, readPassword } from "./prompt";
import { authHeaders, login, logout } from "./signIn";
import { StateStore } from "./state";
import { upload } from "./upload";
import { checkShare } from "./shareCheck";
import { downloadShare, isMultiFile, ShareInfo } from "./shareDownload";
import { noShares, uploadShare } from "./shareUpload";
import { walk } from "./walk";
import { chooseEncryption, openShare, requireKey } from "./encryption";
import { keyFromLink } from "./crypto/shareKey";
import { encryptedSize } from "./crypto/ece";
import { loadUserConfig } from "./userConfig";
import { stat } from "node:fs/promises";

const say = (line: string) => process.stderr.write(`${line}\n`);

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("use a whole number of 1 or more.");
  return n;
}

/** $FILESHARE_PARALLEL, checked like --parallel (a typo must not send nothing), or 4. */
function parallelFromEnv(): number {
  const text = process.env["FILESHARE_PARALLEL"];
  if (text === undefined || text === "") return 4;
  try {
    return positiveInt(text);
  } catch (e) {
    throw cliError(EXIT.usage, `FILESHARE_PARALLEL=${JSON.stringify(text)}: ${(e as Error).message}`);
  }
}

/** Whether `path` is a folder (a link to one counts: the user named it). */
const isFolder = (path: string) =>
  stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );

/** A variable that is set to something (an empty one counts as unset, as everywhere in the CLI). */
const envSet = (name: string) => (process.env[name] ?? "") !== "";

/** The sign-in given for this run, by name: what a link to an untrusted origin does not get. */
function givenSignIn(authToken: string | undefined): string[] {
  return authToken ? ["--auth-token"] : envSet("FILESHARE_TOKEN") ? ["FILESHARE_TOKEN"] : [];
}

/** The sign-in headers for a link's API: only when it is the configured API (cli/linkTarget.ts). */
function linkAuth(target: LinkTarget, store: StateStore, authToken: string | undefined) {
  return target.trusted ? authHeaders(target.apiUrl, store, authToken, false) : Promise.resolve(undefined);
}

/** What `--help` shows under "Examples:", per command ("" is the program's own help). */
const EXAMPLES: Record<string, string[]> = {
  "": [
    "fileshare upload report.pdf --expires 1d",
    "tar cz photos/ | fileshare upload - --name photos.tar.gz",
    "fileshare download https://files.example.com/files/<id>",
    "fileshare list",
  ],
  upload: [
    "fileshare upload report.pdf",
    'fileshare upload a.pdf b.jpg photos/ --title "Holiday"',
    "fileshare upload video.mp4 --expires 12h --max-downloads 3 --password",
    "pg_dump mydb | fileshare upload - --name mydb.sql",
    "fileshare upload --encrypt tax-return.pdf",
  ],
  download: [
    "fileshare download https://files.example.com/files/<id>",
    "fileshare download <link> -o photos/ --file beach.jpg --file 2026/",
    "fileshare download <link> -o ~/Downloads/",
    "fileshare download <link> -o report.pdf --force",
  ],
  info: ["fileshare info <link>", "fileshare info <link> --json | jq .downloadsRemaining"],
  delete: ["fileshare delete <link>", "fileshare delete <link> --token <delete token>"],
  list: ["fileshare list", "fileshare list --limit 10", "fileshare list --json | jq -r '.[].shareUrl'"],
  login: ["fileshare login", "fileshare login --no-browser"],
  logout: ["fileshare logout"],
};

export function buildProgram(store = new StateStore()): Command {
  const program = new Command("fileshare")
    .description("Share files through a fileshare stack: large files go up in resumable parts.")
    .option(
      "--api <url>",
      "the API base URL (default: $FILESHARE_API, or `pulumi stack output apiUrl`); sign-in, passwords and delete tokens are sent only to it, never to a link elsewhere",
    )
    .option("--auth-token <token>", "a sign-in (ID) token to send (default: $FILESHARE_TOKEN, or `fileshare login`'s)")
    .version(cliVersion(), "-V, --version", "print the version")
    .showHelpAfterError(false)
    .exitOverride();

  program
    .command("upload")
    .argument(
      "<files...>",
      'the files and folders to share (one link for all), or "-" for standard input (with --name)',
    )
    .option("--name <name>", "the file name the share shows, for standard input (upload - --name notes.txt)")
    .option("--title <title>", "a title for a share of several files (shown by info, list and the page)")
    .option("--hidden", 'include hidden files and folders (names starting with ".") found inside folders', false)
    .option("--expires <duration>", 'how long the share lives, e.g. "7d", "12h" (default: the stack\'s)', parseDuration)
    .option("--max-downloads <n>", "how many downloads the share allows", positiveInt)
    .option("--parallel <n>", "parts sent at once (default: $FILESHARE_PARALLEL, or 4)", positiveInt)
    .option(
      "--encrypt",
      'encrypt end to end: names, types and bytes are encrypted here, and the key goes only in the link (after "#")',
    )
    .option("--no-encrypt", 'share without encryption, even when config.json says {"encrypt": true}')
    .option(
      "--password",
      "ask for a password the link will need, or take it from $FILESHARE_PASSWORD (which is refused without --password)",
      false,
    )
    .description(
      "upload files and folders as one share and print its link and delete token; run it again after an interruption to resume",
    )
    .addHelpText(
      "after",
      "\nStandard input (-) is first copied to a private temporary file (mode 0600, under $TMPDIR), because the API\n" +
        "needs its size before the upload starts; the copy is deleted afterwards, also on Ctrl-C. An interrupted\n" +
        "upload from standard input cannot resume: send the input again.\n\n" +
        '--encrypt encrypts names, types and bytes here; the key is only in the printed link (after "#"). A file\n' +
        'config.json in the config folder holding {"encrypt": true} makes it the default (--no-encrypt overrides).\n\n' +
        "Several files, or a folder, make one share: folders are sent with every file in them, under their relative\n" +
        "paths; symbolic links inside a folder are skipped, and so are hidden files and folders unless --hidden.",
    )
    .action(
      async (
        args: string[],
        opts: {
          expires?: number;
          maxDownloads?: number;
          parallel?: number;
          password: boolean;
          name?: string;
          title?: string;
          hidden: boolean;
          encrypt?: boolean;
        },
      ) => {
        const file = args[0] as string;
        const fromStdin = file === "-";
        if (args.includes("-") && args.length > 1) {
          throw cliError(
            EXIT.usage,
            'Standard input ("-") is shared alone: upload - --name NAME, without other files.',
          );
        }
        if (opts.title !== undefined && opts.title.trim() === "") {
          throw cliError(EXIT.usage, "--title is empty: give the share a title, or leave --title out.");
        }
        // One file without a title keeps POST /uploads, which every stack serves (v1); the rest is one share.
        const asShare = !fromStdin && (args.length > 1 || opts.title !== undefined || (await isFolder(file)));
        if (!fromStdin && opts.name !== undefined) {
          throw cliError(
            EXIT.usage,
            "--name is for standard input (upload - --name NAME); a file shares its own name.",
          );
        }
        const name = fromStdin ? stdinName(opts.name) : undefined;
        // A password in the environment is never ignored: a share meant to be protected must not go up open.
        if (!opts.password && envSet("FILESHARE_PASSWORD")) {
          throw cliError(
            EXIT.usage,
            "FILESHARE_PASSWORD is set but --password was not given: pass --password to protect the share with it, or unset FILESHARE_PASSWORD.",
          );
        }
        const parallel = opts.parallel ?? parallelFromEnv();
        const apiUrl = await resolveApiUrl(program.opts().api);
        const byDefault = (await loadUserConfig()).encrypt;
        const limits: StackLimits = await stackLimits(apiUrl);
        const encrypt = chooseEncryption(opts.encrypt, byDefault, limits.encryption);
        if (encrypt && opts.encrypt === undefined && byDefault !== true) {
          say(
            "This stack requires end-to-end encryption (fileshare:encryption): encrypting; the link carries the key.",
          );
        }
        const longest = limits.maxShareTtlSeconds;
        if (opts.expires !== undefined && longest !== undefined && opts.expires > longest) {
          throw cliError(
            EXIT.usage,
            `--expires ${formatDuration(opts.expires)} is too long: at most ${formatDuration(longest)} on this stack (its fileshare:maxShareTtlSeconds setting).`,
          );
        }
        if (asShare) {
          if (limits.apiVersion !== undefined && !servesShares(limits)) throw noShares(limits.apiVersion);
          const files = await walk(args, { hidden: opts.hidden, stopAfter: limits.maxFilesPerShare, say });
          // The limits apply to what is stored: an encrypted file's encrypted size.
          checkShare(encrypt ? files.map((f) => ({ ...f, size: encryptedSize(f.size) })) : files, limits);
          const password = opts.password ? await readPassword("Password for the link", true) : undefined;
          const auth = await authHeaders(apiUrl, store, program.opts().authToken, false);
          const result = await uploadShare(files, {
            ...{ password, auth, apiUrl, expiresInSeconds: opts.expires, maxDownloads: opts.maxDownloads },
            ...{ parallel, store, say, title: opts.title?.trim(), limits, encrypt },
          });
          process.stdout.write(`link: ${result.shareUrl}\ndelete token: ${result.deleteToken}\n`);
          return;
        }
        const password = opts.password ? await readPassword("Password for the link", true) : undefined;
        const auth = await authHeaders(apiUrl, store, program.opts().authToken, false);
        const send = (path: string) =>
          upload(path, {
            password,
            auth,
            apiUrl,
            expiresInSeconds: opts.expires,
            maxDownloads: opts.maxDownloads,
            parallel,
            store,
            say,
            encrypt,
            multipartThresholdBytes: limits.multipartThresholdBytes,
          });
        if (fromStdin && process.stdin.isTTY) say("Reading standard input (end it with Ctrl-D)…");
        const result = name !== undefined ? await withStdinFile(name, limits.maxFileSizeBytes, send) : await send(file);
        process.stdout.write(`link: ${result.shareUrl}\ndelete token: ${result.deleteToken}\n`);
      },
    );

  program
    .command("download")
    .argument("<link>", "the share link (or file id)")
    .option(
      "-o, --output <path>",
      "where to write the file (a folder keeps the file's name); for a share of several files, the folder to recreate them in (default: here)",
    )
    .option(
      "--file <name>",
      "only this file (or folder) of a share of several files; repeat it for more (one download is counted)",
      (name: string, names: string[]) => [...names, name],
      [] as string[],
    )
    .option("--force", "overwrite an existing file", false)
    .description(
      "download a share, checking each file's SHA-256 when the share has one; an encrypted share is decrypted with the key in its link",
    )
    .action(async (link: string, opts: { output?: string; force: boolean; file: string[] }) => {
      // A malformed key is refused before any request; a missing one once the share says it is encrypted.
      const key = keyFromLink(link);
      const target = await linkTarget(link, program.opts().api, store);
      const notice = untrustedNotice(target, [
        ...givenSignIn(program.opts().authToken),
        ...(envSet("FILESHARE_PASSWORD") ? ["FILESHARE_PASSWORD"] : []),
      ]);
      if (notice) say(`fileshare: ${notice}`);
      const auth = await linkAuth(target, store, program.opts().authToken);
      // Elsewhere, only a password typed for this link, at a prompt that names where it goes.
      const askPassword = () =>
        target.trusted
          ? readPassword("This link needs a password", false)
          : promptHidden(
              `This link on ${originOf(target.apiUrl)} needs a password: `,
              `This link on ${originOf(target.apiUrl)} needs a password and there is no terminal to ask for it (FILESHARE_PASSWORD goes only to the configured API: pass --api ${target.apiUrl} if you trust it).`,
            );
      // GET /files/{id} has no side effects: it tells a share of several files (v1.2) from a single file.
      let info = await callApi<ShareInfo & { fileCount?: unknown; passwordRequired?: unknown }>(
        target.apiUrl,
        "GET",
        `files/${target.id}`,
        { headers: auth },
      );
      requireKey(info, key);
      info = openShare(info, key);
      const several = typeof info.fileCount === "number" && info.fileCount > 1;
      if (opts.file.length > 0 && !Array.isArray(info.files)) {
        throw cliError(EXIT.usage, "--file picks files of a share of several files; this share is one file.");
      }
      if (several || isMultiFile(info) || opts.file.length > 0) {
        let password: string | undefined;
        if (info.passwordRequired === true) {
          password = await askPassword();
          // A wrong password is refused here (403 WrongPassword) before anything is written or a download used.
          info = openShare(
            await callApi<ShareInfo>(target.apiUrl, "POST", `files/${target.id}/unlock`, {
              body: { password },
              headers: auth,
            }),
            key,
          );
        }
        const saved = await downloadShare(target.apiUrl, target.id, info, {
          output: opts.output,
          names: opts.file,
          force: opts.force,
          auth,
          password,
          say,
          key,
        });
        for (const f of saved) {
          const how = f.skipped
            ? ", already here, SHA-256 verified"
            : f.verified
              ? ", SHA-256 verified"
              : " (no SHA-256 to verify)";
          process.stdout.write(`${f.path}: ${f.size} bytes${how}\n`);
        }
        return;
      }
      const result = await download(target.apiUrl, target.id, { ...opts, auth, password: askPassword, say, key });
      process.stdout.write(
        `${result.path}: ${result.size} bytes${result.verified ? ", SHA-256 verified" : " (no SHA-256 to verify)"}\n`,
      );
    });

  program
    .command("info")
    .argument("<link>", "the share link (or file id)")
    .description(
      "show a share's metadata (uses no download); an encrypted share's names, types and sizes are decrypted with the key in its link",
    )
    .option(
      "--json",
      "print the API's JSON (GET /files/{id}) instead of lines for people (an encrypted share's fields decrypted)",
      false,
    )
    .action(async (link: string, opts: { json: boolean }) => {
      const key = keyFromLink(link);
      const target = await linkTarget(link, program.opts().api, store);
      const notice = untrustedNotice(target, givenSignIn(program.opts().authToken));
      if (notice) say(`fileshare: ${notice}`);
      const auth = await linkAuth(target, store, program.opts().authToken);
      const info = openShare(
        await callApi<ShareView>(target.apiUrl, "GET", `files/${target.id}`, { headers: auth }),
        key,
      );
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(info, null, 2)}\n`
          : describeShare({ ...info, shareUrl: `${target.apiUrl}files/${target.id}` }),
      );
    });

  program
    .command("delete")
    .argument("<link>", "the share link (or file id)")
    .option(
      "--token <token>",
      "the delete token (default: $FILESHARE_DELETE_TOKEN, or the one saved when you uploaded); sent only to the configured API",
    )
    .description("delete a share (an upload still in progress is aborted)")
    .action(async (link: string, opts: { token?: string }) => {
      const target = await linkTarget(link, program.opts().api, store);
      const saved = await store.shareFor(target.id);
      // A saved token goes only to the API that issued it (a file from before that was kept: the configured API).
      const savedHere =
        saved !== undefined && (saved.apiUrl ? originOf(saved.apiUrl) === originOf(target.apiUrl) : target.trusted);
      if (savedHere && saved.deletedAt) {
        throw cliError(EXIT.refused, `This share was already deleted (${saved.deletedAt}).`);
      }
      const given =
        opts.token ?? (envSet("FILESHARE_DELETE_TOKEN") ? process.env["FILESHARE_DELETE_TOKEN"] : undefined);
      const token = (target.trusted ? given : undefined) ?? (savedHere ? saved.deleteToken : undefined);
      // Without a delete token the owner's sign-in proves ownership (docs/api.md).
      const owner =
        token !== undefined ? { "X-Delete-Token": token } : await linkAuth(target, store, program.opts().authToken);
      const withheld = [
        ...(opts.token !== undefined
          ? ["--token"]
          : envSet("FILESHARE_DELETE_TOKEN")
            ? ["FILESHARE_DELETE_TOKEN"]
            : []),
        ...(saved?.deleteToken !== undefined && !savedHere ? ["the delete token saved for this share"] : []),
        ...givenSignIn(program.opts().authToken),
      ];
      const notice = untrustedNotice(target, withheld);
      if (owner === undefined) {
        // Nothing to prove ownership with: no request at all, so the link's server learns nothing.
        throw cliError(
          EXIT.usage,
          notice ??
            "No delete token for this share: pass --token, set FILESHARE_DELETE_TOKEN, or sign in as its owner.",
        );
      }
      if (notice) say(`fileshare: ${notice}`);
      await callApi(target.apiUrl, "DELETE", `files/${target.id}`, { headers: owner });
      await store.markDeleted(target.id, target.apiUrl);
      process.stdout.write("deleted\n");
    });

  program
    .command("list")
    .option("--limit <n>", "show at most this many (default: all)", positiveInt)
    .option("--json", "print the API's JSON (the GET /files entries) instead of lines for people", false)
    .description("list your shares, newest first (needs sign-in)")
    .action(async (opts: { limit?: number; json: boolean }) => {
      const apiUrl = await resolveApiUrl(program.opts().api);
      const auth = (await authHeaders(apiUrl, store, program.opts().authToken, true)) as Record<string, string>;
      const shares = await listShares(apiUrl, auth, opts.limit);
      process.stdout.write(opts.json ? `${JSON.stringify(shares, null, 2)}\n` : describeShares(shares));
    });

  program
    .command("login")
    .option("--port <n>", "the loopback port of the callback http://localhost:<port>/callback", positiveInt, 8765)
    .option("--no-browser", "print the sign-in address instead of opening a browser")
    .description("sign in through the browser; later commands send the sign-in")
    .action(async (opts: { port: number; browser: boolean }) => {
      const apiUrl = await resolveApiUrl(program.opts().api);
      const timeoutMs = Number(process.env["FILESHARE_LOGIN_TIMEOUT_MS"] ?? 300_000);
      const signedIn = await login(apiUrl, store, { ...opts, timeoutMs, say });
      process.stdout.write(`signed in${signedIn.email ? ` as ${signedIn.email}` : ""}\n`);
    });

  program
    .command("logout")
    .description("forget the saved sign-in for this API and revoke its refresh token")
    .action(async () => {
      const apiUrl = await resolveApiUrl(program.opts().api);
      const result = await logout(apiUrl, store);
      if (result === "unrevoked") {
        say(
          "fileshare: signed out here, but the sign-in service did not confirm revoking the session; it ends when its refresh token expires.",
        );
      }
      process.stdout.write(result === "absent" ? "not signed in\n" : "signed out\n");
    });

  for (const command of [program, ...program.commands]) {
    const examples = EXAMPLES[command === program ? "" : command.name()] ?? [];
    command.addHelpText("after", `\nExamples:\n${examples.map((e) => `  $ ${e}`).join("\n")}`);
    // The argument parser's own errors (unknown option, missing argument, bad value) read like every other one.
    command.configureOutput({
      outputError: (text, write) =>
        write(
          `fileshare: ${text
            .replace(/^error: /, "")
            .split("\n")
            .map((l) => l.trim())
            .filter((l) => l !== "")
            .join(" ")} (see fileshare${command === program ? "" : ` ${command.name()}`} --help)\n`,
        ),
    });
  }
  return program;
}

/** Runs the command line and exits with its code. */
export async function main(argv: string[]): Promise<void> {
  process.on("SIGINT", () => {
    // Nothing half-written stays behind: a download starts over anyway.
    for (const partial of partialFiles) rmSync(partial, { force: true });
    for (const folder of spoolFolders) rmSync(folder, { recursive: true, force: true });
    say(
      partialFiles.size > 0
        ? "fileshare: interrupted; the partial download was deleted. Run the same command again."
        : spoolFolders.size > 0
          ? "fileshare: interrupted; the copy of standard input was deleted, so this upload cannot resume: send the input again (and cancel a share it named with fileshare delete <link>)."
          : "fileshare: interrupted. Run the same upload command again to resume, or cancel it with fileshare delete <link>.",
    );
    process.exit(EXIT.interrupted);
  });
  try {
    await buildProgram().parseAsync(argv);
    process.exitCode = EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version print and exit 0; usage errors have already printed their one line.
      process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    say(`fileshare: ${isCliError(e) ? e.message : `unexpected error: ${e instanceof Error ? e.message : String(e)}`}`);
    process.exitCode = isCliError(e) ? e.exitCode : EXIT.failed;
  }
}
