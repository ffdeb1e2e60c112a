// The fileshare HTTP API as the CLI uses it: where it is, JSON calls with retries, and API errors as CliErrors.
import { execFile } from "node:child_process";
import { cliError, EXIT } from "./errors";
import { retry } from "./retry";
import { FILE_ID, FILE_ID_CHARS } from "../contract/ids";

/** The API base URL (ending with "/"): --api, then FILESHARE_API, then `pulumi stack output apiUrl`. */
export async function resolveApiUrl(option: string | undefined, env = process.env): Promise<string> {
  const given = option || env["FILESHARE_API"] || undefined;
  const url = given ?? (await pulumiApiUrl());
  if (url === undefined) {
    throw cliError(
      EXIT.usage,
      "No API URL: pass --api URL, set FILESHARE_API, or run inside the deployed Pulumi project.",
    );
  }
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new Error();
  } catch {
    throw cliError(EXIT.usage, `The API URL ${JSON.stringify(url)} is not an http(s) URL.`);
  }
  return url.endsWith("/") ? url : `${url}/`;
}

function pulumiApiUrl(): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("pulumi", ["stack", "output", "apiUrl"], { timeout: 20_000 }, (error, stdout) =>
      resolve(error || stdout.trim() === "" ? undefined : stdout.trim()),
    );
  });
}

const SHARE_LINK = new RegExp(`^(https?://.+/)files/(${FILE_ID_CHARS})/?$`);

/** A share link (…/files/<id>) or a bare id, either with an encrypted share's key after "#": the id, and the API
 *  base the link points at. The fragment (a key) is never repeated in a message. */
export function parseLink(link: string): { id: string; apiUrl?: string } {
  const bare = link.split("#")[0] ?? "";
  if (FILE_ID.test(bare)) return { id: bare };
  const match = SHARE_LINK.exec(bare.split("?")[0] ?? "");
  if (!match) {
    const shown = `${JSON.stringify(bare)}${bare.length < link.length ? ' (with its part after "#")' : ""}`;
    throw cliError(EXIT.usage, `${shown} is not a share link (…/files/<id>) or a file id.`);
  }
  return { id: match[2] as string, apiUrl: match[1] as string };
}

/** An API answer that was not 2xx. */
export interface ApiFailure {
  status: number;
  code: string;
  message: string;
}

/** Statuses worth another try: throttling and the service's own trouble. */
export const RETRYABLE_STATUS = (status: number) => status === 429 || status >= 500;

/** Calls the API with JSON; retries throttling, 5xx and network failures; throws a CliError for the rest. */
export async function callApi<T>(
  apiUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<T> {
  return retry(
    async () => {
      let res: Response;
      try {
        res = await fetch(new URL(path, apiUrl), {
          method,
          headers: {
            Accept: "application/json",
            ...(options.body ? { "Content-Type": "application/json" } : {}),
            ...options.headers,
          },
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          // A followed redirect would carry X-Delete-Token and a password in the body to wherever it points.
          redirect: "manual",
        });
      } catch (e) {
        throw Object.assign(
          cliError(
            EXIT.unavailable,
            `Cannot reach the API at ${apiUrl} (${causeOf(e)}); check the URL and your network.`,
          ),
          { retryable: true },
        );
      }
      if (res.status >= 300 && res.status < 400) {
        const to = res.headers.get("location");
        const where = to ? ` to ${new URL(to, apiUrl).origin}` : "";
        throw cliError(
          EXIT.refused,
          `The API at ${apiUrl} answered ${res.status}, a redirect${where}; fileshare does not follow API redirects (your credentials would go along): pass the API's final URL with --api.`,
        );
      }
      const text = await res.text();
      if (res.ok) return (text === "" ? undefined : JSON.parse(text)) as T;
      const failure = parseFailure(res.status, text);
      const exitCode = RETRYABLE_STATUS(res.status)
        ? EXIT.unavailable
        : res.status === 401
          ? EXIT.signIn
          : EXIT.refused;
      const hint = res.status === 401 ? " Run `fileshare login` (or set FILESHARE_TOKEN) and try again." : "";
      throw Object.assign(cliError(exitCode, `${failure.message} (${res.status} ${failure.code})${hint}`), {
        retryable: RETRYABLE_STATUS(res.status),
        status: res.status,
      });
    },
    { attempts: 5 },
  );
}

function parseFailure(status: number, text: string): ApiFailure {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.message) return { status, code: body.error.code ?? "Error", message: body.error.message };
  } catch {
    // not our error shape (a proxy, a gateway page)
  }
  return { status, code: "Error", message: `The API answered ${status}` };
}

/** A short reason from a fetch/network error. */
export function causeOf(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
}
