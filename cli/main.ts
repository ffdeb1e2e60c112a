// The `fileshare` command line: upload, download, info, delete, list, login, logout. Every failure is one line on stderr and an
// exit code from cli/errors.ts; results go to stdout.
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { callApi, parseLink, resolveApiUrl } from "./api";
import { rmSync } from "node:fs";
import { download, FileInfo, partialFiles } from "./download";
import { cliError, EXIT, isCliError } from "./errors";
import { formatShares, listShares } from "./list";
import { readPassword } from "./prompt";
import { authHeaders, login, logout } from "./signIn";
import { StateStore } from "./state";
import { upload } from "./upload";

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

/** The API a link points at, unless --api or FILESHARE_API say otherwise. */
async function apiForLink(link: string, api: string | undefined) {
  const parsed = parseLink(link);
  return { id: parsed.id, apiUrl: await resolveApiUrl(api || process.env["FILESHARE_API"] || parsed.apiUrl) };
}

export function buildProgram(store = new StateStore()): Command {
  const program = new Command("fileshare")
    .description("Share files through a fileshare stack: large files go up in resumable parts.")
    .option("--api <url>", "the API base URL (default: $FILESHARE_API, or `pulumi stack output apiUrl`)")
    .option("--auth-token <token>", "a sign-in (ID) token to send (default: $FILESHARE_TOKEN, or `fileshare login`'s)")
    .showHelpAfterError(false)
    .exitOverride();

  program
    .command("upload")
    .argument("<file>", "the file to share")
    .option("--expires <duration>", 'how long the share lives, e.g. "7d", "12h" (default: the stack\'s)', parseDuration)
    .option("--max-downloads <n>", "how many downloads the share allows", positiveInt)
    .option("--parallel <n>", "parts sent at once (default: $FILESHARE_PARALLEL, or 4)", positiveInt)
    .option("--password", "ask for a password the link will need (or take it from $FILESHARE_PASSWORD)", false)
    .description("upload a file and print its link and delete token; run it again after an interruption to resume")
    .action(
      async (file: string, opts: { expires?: number; maxDownloads?: number; parallel?: number; password: boolean }) => {
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
      const { id, apiUrl } = await apiForLink(link, program.opts().api);
      const result = await download(apiUrl, id, {
        ...opts,
        auth: await authHeaders(apiUrl, store, program.opts().authToken, false),
        password: () => readPassword("This link needs a password", false),
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
      const { id, apiUrl } = await apiForLink(link, program.opts().api);
      const auth = await authHeaders(apiUrl, store, program.opts().authToken, false);
      const info = await callApi<FileInfo>(apiUrl, "GET", `files/${id}`, { headers: auth });
      process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    });

  program
    .command("delete")
    .argument("<link>", "the share link (or file id)")
    .option(
      "--token <token>",
      "the delete token (default: $FILESHARE_DELETE_TOKEN, or the one saved when you uploaded)",
    )
    .description("delete a share (an upload still in progress is aborted)")
    .action(async (link: string, opts: { token?: string }) => {
      const { id, apiUrl } = await apiForLink(link, program.opts().api);
      const token = opts.token ?? process.env["FILESHARE_DELETE_TOKEN"] ?? (await store.tokenFor(id));
      // Without a delete token the owner's sign-in proves ownership (docs/api.md).
      const owner =
        token !== undefined
          ? { "X-Delete-Token": token }
          : await authHeaders(apiUrl, store, program.opts().authToken, false);
      if (owner === undefined)
        throw cliError(
          EXIT.usage,
          "No delete token for this share: pass --token, set FILESHARE_DELETE_TOKEN, or sign in as its owner.",
        );
      await callApi(apiUrl, "DELETE", `files/${id}`, { headers: owner });
      await store.forgetShare(id);
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
