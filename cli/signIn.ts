// `fileshare login` / `logout`, and the sign-in every other command sends: the OAuth 2.0 authorization code flow
// with PKCE (RFC 7636) against the endpoints in GET /config, returning to a listener on 127.0.0.1 (RFC 8252
// "loopback redirect"), the tokens kept per API in the user's config folder (mode 0600).
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { callApi, causeOf } from "./api";
import { cliError, EXIT } from "./errors";
import { SavedSignIn, StateStore } from "./state";

/** The `auth` block of GET /config (docs/api.md v1.1). */
interface AuthConfig {
  clientId: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  /** RFC 7009 (Cognito's /oauth2/revoke); absent from stacks deployed before it was published. */
  revocationEndpoint?: string;
  scopes: string[];
}

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

/** POSTs a form to the token endpoint; the saved sign-in it answers. */
async function tokenRequest(auth: AuthConfig, form: Record<string, string>): Promise<SavedSignIn> {
  let res: Response;
  try {
    res = await fetch(auth.tokenEndpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: auth.clientId, ...form }).toString(),
    });
  } catch (e) {
    throw cliError(EXIT.unavailable, `Cannot reach the sign-in service (${causeOf(e)}); try again.`);
  }
  const body = (await res.json().catch(() => ({}))) as { id_token?: string; refresh_token?: string; error?: string };
  if (res.status !== 200 || !body.id_token) {
    throw cliError(
      EXIT.signIn,
      `The sign-in service refused (${res.status} ${body.error ?? "no token"}); run \`fileshare login\` again.`,
    );
  }
  const claims = claimsOf(body.id_token);
  return {
    idToken: body.id_token,
    refreshToken: body.refresh_token ?? form["refresh_token"],
    expiresAt: (claims.exp ?? 0) * 1000,
    email: claims.email,
  };
}

/** Waits on 127.0.0.1:`port` for the sign-in to come back to /callback; resolves with its code. */
function awaitCallback(port: number, state: string, timeoutMs: number, ready: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
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
    });
    const timer = setTimeout(
      () => finish(() => reject(cliError(EXIT.signIn, "Sign-in timed out; run `fileshare login` again."))),
      timeoutMs,
    );
    const finish = (fn: () => void) => {
      clearTimeout(timer);
      server.close();
      server.closeAllConnections();
      fn();
    };
    server.on("error", (e: NodeJS.ErrnoException) =>
      finish(() =>
        reject(
          cliError(
            EXIT.usage,
            e.code === "EADDRINUSE"
              ? `Port ${port} is taken; pass --port with the port of another callback URL the stack lists.`
              : `Cannot listen on 127.0.0.1:${port} (${e.message}).`,
          ),
        ),
      ),
    );
    server.listen(port, "127.0.0.1", ready);
  });
}

/** Opens a URL in the person's browser; silently does nothing where there is none (they copy the address). */
function openBrowser(url: string): void {
  const command = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  execFile(command, [url], () => undefined);
}

export interface LoginOptions {
  /** The loopback port; http://127.0.0.1:<port>/callback must be one of the stack's fileshare:authCallbackUrls. */
  port: number;
  browser: boolean;
  timeoutMs: number;
  say: (line: string) => void;
}

/** The authorization code request with PKCE (S256) and a fresh state: the address to open, and what the
 *  callback and the token request need. Also used by `npm run token` (local/signIn.ts). */
export function authorizationRequest(
  auth: { authorizationEndpoint: string; clientId: string; scopes: string[] },
  redirectUri: string,
): { url: URL; verifier: string; state: string } {
  const verifier = randomBytes(32).toString("base64url");
  const state = randomBytes(16).toString("base64url");
  const url = new URL(auth.authorizationEndpoint);
  url.search = new URLSearchParams({
    client_id: auth.clientId,
    response_type: "code",
    redirect_uri: redirectUri,
    scope: auth.scopes.join(" "),
    state,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  }).toString();
  return { url, verifier, state };
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
  const redirectUri = `http://127.0.0.1:${options.port}/callback`;
  const { url, verifier, state } = authorizationRequest(auth, redirectUri);
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
