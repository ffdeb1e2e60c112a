// The `fileshare` command line: upload, download, info, delete, list, login, logout. Every failure is one line on stderr and an
// exit code from cli/errors.ts; results go to stdout.
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { callApi, resolveApiUrl } from "./api";
import { rmSync } from "node:fs";
import { download, FileInfo, partialFiles } from "./download";
import { cliError, EXIT, isCliError } from "./errors";
import { LinkTarget, linkTarget, originOf, untrustedNotice } from "./linkTarget";
import { formatShares, listShares } from "./list";
import { promptHidden, readPassword } from "./prompt";
import { authHeaders, login, logout } from "./signIn";
import { StateStore } from "./state";
import { upload } from "./upload";
import { version } from "./package.json";

const say = (line: string) => process.stderr.write(`${line}\n`);

/** "7d", "12h", "30m", "90s" or plain seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) throw new InvalidArgumentError('use a number with s, m, h or d, e.g. "7d" or "12h".');
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as "" | "s" | "m" | "h" | "d"];
  return Number(match[1]) * unit;
}

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

export function buildProgram(store = new StateStore()): Command {
  const program = new Command("fileshare")
    .description("Share files through a fileshare stack: large files go up in resumable parts.")
    .option(
      "--api <url>",
      "the API base URL (default: $FILESHARE_API, or `pulumi stack output apiUrl`); sign-in, passwords and delete tokens are sent only to it, never to a link elsewhere",
    )
    .option("--auth-token <token>", "a sign-in (ID) token to send (default: $FILESHARE_TOKEN, or `fileshare login`'s)")
    .version(version, "--version", "print the CLI's version")
    .showHelpAfterError(false)
    .exitOverride();

  program
    .command("upload")
    .argument("<file>", "the file to share")
    .option("--expires <duration>", 'how long the share lives, e.g. "7d", "12h" (default: the stack\'s)', parseDuration)
    .option("--max-downloads <n>", "how many downloads the share allows", positiveInt)
    .option("--parallel <n>", "parts sent at once (default: $FILESHARE_PARALLEL, or 4)", positiveInt)
    .option(
      "--password",
      "ask for a password the link will need, or take it from $FILESHARE_PASSWORD (which is refused without --password)",
      false,
    )
    .description("upload a file and print its link and delete token; run it again after an interruption to resume")
    .action(
      async (file: string, opts: { expires?: number; maxDownloads?: number; parallel?: number; password: boolean }) => {
        // A password in the environment is never ignored: a share meant to be protected must not go up open.
        if (!opts.password && envSet("FILESHARE_PASSWORD")) {
          throw cliError(
            EXIT.usage,
            "FILESHARE_PASSWORD is set but --password was not given: pass --password to protect the share with it, or unset FILESHARE_PASSWORD.",
          );
        }
        const parallel = opts.parallel ?? parallelFromEnv();
        const apiUrl = await resolveApiUrl(program.opts().api);
        const password = opts.password ? await readPassword("Password for the link", true) : undefined;
        const result = await upload(file, {
          password,
          auth: await authHeaders(apiUrl, store, program.opts().authToken, false),
          apiUrl,
          expiresInSeconds: opts.expires,
          maxDownloads: opts.maxDownloads,
          parallel,
          store,
          say,
        });
        process.stdout.write(`link: ${result.shareUrl}\ndelete token: ${result.deleteToken}\n`);
      },
    );

  program
    .command("download")
    .argument("<link>", "the share link (or file id)")
    .option("-o, --output <path>", "where to write the file (a folder keeps the file's name)")
    .option("--force", "overwrite an existing file", false)
    .description("download a shared file, checking its SHA-256 when the share has one")
    .action(async (link: string, opts: { output?: string; force: boolean }) => {
      const target = await linkTarget(link, program.opts().api, store);
      const notice = untrustedNotice(target, [
        ...givenSignIn(program.opts().authToken),
        ...(envSet("FILESHARE_PASSWORD") ? ["FILESHARE_PASSWORD"] : []),
      ]);
      if (notice) say(`fileshare: ${notice}`);
      const result = await download(target.apiUrl, target.id, {
        ...opts,
        auth: await linkAuth(target, store, program.opts().authToken),
        // Elsewhere, only a password typed for this link, at a prompt that names where it goes.
        password: () =>
          target.trusted
            ? readPassword("This link needs a password", false)
            : promptHidden(
                `This link on ${originOf(target.apiUrl)} needs a password: `,
                `This link on ${originOf(target.apiUrl)} needs a password and there is no terminal to ask for it (FILESHARE_PASSWORD goes only to the configured API: pass --api ${target.apiUrl} if you trust it).`,
              ),
        say,
      });
      process.stdout.write(
        `${result.path}: ${result.size} bytes${result.verified ? ", SHA-256 verified" : " (no SHA-256 to verify)"}\n`,
      );
    });

  program
    .command("info")
    .argument("<link>", "the share link (or file id)")
    .description("show a share's metadata (uses no download)")
    .action(async (link: string) => {
      const target = await linkTarget(link, program.opts().api, store);
      const notice = untrustedNotice(target, givenSignIn(program.opts().authToken));
      if (notice) say(`fileshare: ${notice}`);
      const auth = await linkAuth(target, store, program.opts().authToken);
      const info = await callApi<FileInfo>(target.apiUrl, "GET", `files/${target.id}`, { headers: auth });
      process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
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
    .option("--json", "print JSON instead of one line per share", false)
    .description("list your shares, newest first (needs sign-in)")
    .action(async (opts: { limit?: number; json: boolean }) => {
      const apiUrl = await resolveApiUrl(program.opts().api);
      const auth = (await authHeaders(apiUrl, store, program.opts().authToken, true)) as Record<string, string>;
      const shares = await listShares(apiUrl, auth, opts.limit);
      process.stdout.write(opts.json ? `${JSON.stringify(shares, null, 2)}\n` : formatShares(shares));
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
  return program;
}

/** Runs the command line and exits with its code. */
export async function main(argv: string[]): Promise<void> {
  process.on("SIGINT", () => {
    // Nothing half-written stays behind: a download starts over anyway.
    for (const partial of partialFiles) rmSync(partial, { force: true });
    say(
      partialFiles.size > 0
        ? "fileshare: interrupted; the partial download was deleted. Run the same command again."
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
