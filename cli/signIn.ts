// `fileshare login` / `logout`, and the sign-in every other command sends: the OAuth 2.0 authorization code flow
// with PKCE (RFC 7636) against the endpoints in GET /config, returning to http://localhost:<port>/callback (RFC 8252
// "loopback redirect" in the one form Cognito accepts for plain http), the tokens kept per API in the user's config
// folder (mode 0600).
import { execFile } from "node:child_process";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AuthConfig, authorizationRequest, Grant, requestTokens, TokenAnswer } from "../contract/oauth";
import { callApi, causeOf } from "./api";
import { cliError, EXIT } from "./errors";
import { SavedSignIn, StateStore } from "./state";

async function authConfig(apiUrl: string): Promise<AuthConfig> {
  const config = await callApi<{ auth: AuthConfig | null }>(apiUrl, "GET", "config");
  if (!config.auth) throw cliError(EXIT.refused, "This fileshare stack has no sign-in; you can use it without one.");
  return config.auth;
}

/** The claims of a JWT, unverified: only to show who signed in and when the token ends (the API verifies it). */
function claimsOf(jwt: string): { exp?: number; email?: string } {
  try {
    return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as object;
  } catch {
    return {};
  }
}

/** Asks the token endpoint for tokens; the saved sign-in it answers. */
async function tokenRequest(auth: AuthConfig, grant: Grant): Promise<SavedSignIn> {
  let answer: TokenAnswer;
  try {
    answer = await requestTokens(auth, grant);
  } catch (e) {
    throw cliError(EXIT.unavailable, `Cannot reach the sign-in service (${causeOf(e)}); try again.`);
  }
  const { status, body } = answer;
  if (status !== 200 || !body.id_token) {
    throw cliError(
      EXIT.signIn,
      `The sign-in service refused (${status} ${body.error ?? "no token"}); run \`fileshare login\` again.`,
    );
  }
  const claims = claimsOf(body.id_token);
  return {
    idToken: body.id_token,
    refreshToken: body.refresh_token ?? (grant.grant_type === "refresh_token" ? grant.refresh_token : undefined),
    expiresAt: (claims.exp ?? 0) * 1000,
    email: claims.email,
  };
}

/** The setting that lists the callbacks a stack accepts (named in the CLI's errors). */
export const CALLBACK_SETTING = "fileshare:authCallbackUrls";

/** The CLI's redirect URI: Cognito accepts plain http only for "localhost" (not 127.0.0.1) and matches it exactly,
 *  port included. Stacks register the default port's URI by default (config/schema.ts cliCallbackUrl). */
export function callbackUrl(port: number): string {
  return `http://localhost:${port}/callback`;
}

/** Where "localhost" may resolve: the browser connects to either, so the CLI listens on both loopbacks (never on
 *  every interface). */
const LOOPBACKS = ["127.0.0.1", "::1"] as const;

/**
 * Asks the issuer for the authorization URL before the browser does, without following its redirect: an issuer that
 * refuses the redirect URI says so at once (oidc-provider: a 400 page; Cognito: a redirect to its /error page with
 * error=redirect_mismatch), instead of the CLI waiting for a callback that cannot come. A redirect on to the sign-in
 * page (Cognito's /login, oidc-provider's /interaction) is the normal answer.
 */
export async function checkRedirectAccepted(url: URL, redirectUri: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: "manual" });
  } catch (e) {
    throw cliError(EXIT.unavailable, `Cannot reach the sign-in service (${causeOf(e)}); try again.`);
  }
  await res.body?.cancel();
  const location = res.headers.get("location");
  const next = location === null ? undefined : new URL(location, url);
  const error = next?.searchParams.get("error");
  const backToUs = next !== undefined && `${next.origin}${next.pathname}` === redirectUri;
  if (res.status >= 400 || (error && !backToUs)) {
    throw cliError(
      EXIT.signIn,
      `The sign-in service refused the callback ${redirectUri} (${error ?? `HTTP ${res.status}`}): add it to the stack's ${CALLBACK_SETTING} and deploy, or pass --port with the port of a listed one.`,
    );
  }
}

/** Waits on both loopback addresses at `port` for the sign-in to come back to /callback; resolves with its code. */
function awaitCallback(port: number, state: string, timeoutMs: number, ready: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const handle = (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? "/", callbackUrl(port));
      if (url.pathname !== "/callback") return void res.writeHead(404).end();
      const code = url.searchParams.get("code");
      const ok = code !== null && url.searchParams.get("state") === state;
      res.writeHead(ok ? 200 : 400, { "content-type": "text/plain; charset=utf-8" });
      res.end(ok ? "Signed in to fileshare. You can close this tab." : "Sign-in failed; see the terminal.");
      finish(() =>
        ok
          ? resolve(code)
          : reject(
              cliError(EXIT.signIn, `Sign-in did not complete (${url.searchParams.get("error") ?? "wrong state"}).`),
            ),
      );
    };
    const servers: Server[] = [];
    const timer = setTimeout(
      () => finish(() => reject(cliError(EXIT.signIn, "Sign-in timed out; run `fileshare login` again."))),
      timeoutMs,
    );
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const server of servers) {
        server.close();
        server.closeAllConnections();
      }
      fn();
    };
    let pending = LOOPBACKS.length;
    let listening = 0;
    const settled = () => {
      if (--pending > 0 || done) return;
      if (listening === 0) {
        finish(() => reject(cliError(EXIT.usage, `Cannot listen on localhost:${port} (no loopback address).`)));
      } else ready();
    };
    for (const host of LOOPBACKS) {
      const server = createServer(handle);
      servers.push(server);
      server.once("listening", () => {
        listening++;
        settled();
      });
      server.once("error", (e: NodeJS.ErrnoException) => {
        // A machine without IPv6 has no ::1: the other loopback is enough. A taken port is not.
        if (e.code === "EADDRNOTAVAIL" || e.code === "EAFNOSUPPORT") return settled();
        finish(() =>
          reject(
            cliError(
              EXIT.usage,
              e.code === "EADDRINUSE"
                ? `Port ${port} is taken; pass --port with the port of another callback URL in ${CALLBACK_SETTING}.`
                : `Cannot listen on ${host} port ${port} (${e.message}).`,
            ),
          ),
        );
      });
      server.listen(port, host);
    }
  });
}

/** Opens a URL in the person's browser; silently does nothing where there is none (they copy the address). */
function openBrowser(url: string): void {
  const command = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  execFile(command, [url], () => undefined);
}

export interface LoginOptions {
  /** The loopback port; http://localhost:<port>/callback must be one of the stack's fileshare:authCallbackUrls. */
  port: number;
  browser: boolean;
  timeoutMs: number;
  say: (line: string) => void;
}

/** Forgets the saved sign-in for this API and revokes its refresh token, so a copy of the tokens file signs
 *  nobody in. "absent": there was none; "unrevoked": forgotten here, but the sign-in service did not confirm. */
export async function logout(apiUrl: string, store: StateStore): Promise<"signed out" | "absent" | "unrevoked"> {
  const saved = await store.loadSignIn(apiUrl);
  if (!saved) return "absent";
  let revoked = !saved.refreshToken;
  if (saved.refreshToken) {
    try {
      const auth = await authConfig(apiUrl);
      if (auth.revocationEndpoint) {
        const res = await fetch(auth.revocationEndpoint, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ token: saved.refreshToken, client_id: auth.clientId }).toString(),
        });
        revoked = res.status === 200; // RFC 7009: 200 also for a token already invalid.
      }
    } catch {
      // Unreachable: forget it here anyway; the caller says the token lives on until it expires.
    }
  }
  await store.forgetSignIn(apiUrl);
  return revoked ? "signed out" : "unrevoked";
}

/** Signs in through the browser and saves the tokens for this API. */
export async function login(apiUrl: string, store: StateStore, options: LoginOptions): Promise<SavedSignIn> {
  const auth = await authConfig(apiUrl);
  const redirectUri = callbackUrl(options.port);
  const { url, verifier, state } = authorizationRequest(auth, redirectUri);
  await checkRedirectAccepted(url, redirectUri);
  const code = await awaitCallback(options.port, state, options.timeoutMs, () => {
    options.say(`Sign in in your browser. If it does not open, open this address:\n${url.toString()}`);
    if (options.browser) openBrowser(url.toString());
  });
  const signIn = await tokenRequest(auth, {
    grant_type: "authorization_code",
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
  await store.saveSignIn(apiUrl, signIn);
  return signIn;
}

/** The Authorization header to send: --auth-token, FILESHARE_TOKEN, or the saved sign-in (refreshed when it has
 *  expired). `required`: fail with exit 7 when there is none; otherwise no header. */
export async function authHeaders(
  apiUrl: string,
  store: StateStore,
  given: string | undefined,
  required: boolean,
): Promise<Record<string, string> | undefined> {
  const token = given || process.env["FILESHARE_TOKEN"] || (await savedToken(apiUrl, store));
  if (token) return { Authorization: `Bearer ${token}` };
  if (required) throw cliError(EXIT.signIn, "Not signed in: run `fileshare login` (or set FILESHARE_TOKEN).");
  return undefined;
}

async function savedToken(apiUrl: string, store: StateStore): Promise<string | undefined> {
  const saved = await store.loadSignIn(apiUrl);
  if (!saved) return undefined;
  if (saved.expiresAt > Date.now() + 60_000) return saved.idToken;
  if (!saved.refreshToken) {
    throw cliError(EXIT.signIn, "Your sign-in expired: run `fileshare login` again.");
  }
  const fresh = await tokenRequest(await authConfig(apiUrl), {
    grant_type: "refresh_token",
    refresh_token: saved.refreshToken,
  });
  await store.saveSignIn(apiUrl, { ...fresh, email: fresh.email ?? saved.email });
  return fresh.idToken;
}
