// The local stand-in for the Cognito user pool: an OpenID Connect issuer (oidc-provider, a certified
// implementation) on 127.0.0.1 with one public app client (authorization code + PKCE, refresh tokens), whose
// ID tokens carry what Cognito's do for this API: sub, email, email_verified, aud = client id, token_use "id".
// Its sign-in page signs in as any email address, without a password: it is for local development only.
import { createHash } from "node:crypto";
import { createServer, IncomingMessage, ServerResponse } from "node:http";
import type { JWK } from "jose";
import { IssuerState, loadIssuerState, newIssuerState, saveIssuerState } from "./issuerState";
import { closeServer, listenOnStablePort } from "./listen";
import { EMAIL_ADDRESS } from "../contract/api";
import type { AuthEndpoints } from "../config/runtime";

/** The local app client's id (a Cognito app client id is a random string; this one says what it is). */
export const LOCAL_CLIENT_ID = "fileshare-local";

/** The local issuer: the endpoints a Cognito stack has (config/runtime.ts AuthEndpoints), served here. */
export interface LocalIssuer extends AuthEndpoints {
  /** The private signing key (tests sign tokens with it to try every fault the gateway must catch). */
  signingKey: JWK;
  close(): Promise<void>;
}

export interface IssuerOptions {
  /** Where sign-in may return to: the page's own URLs plus fileshare:authCallbackUrls. */
  redirectUris: readonly string[];
  /** Default: the port it had last time (kept in `dataDir`), else a free one. */
  port?: number;
  /** Keep the signing key, cookie keys and port here across restarts (`npm start`'s data folder); absent =
   *  fresh ones each start. */
  dataDir?: string;
  /** ID and access token lifetime; default 3600 s as Cognito's. Tests shorten it to see the page refresh. */
  tokenTtlSeconds?: number;
}

/** A stable Cognito-like `sub` (a UUID) for an email, so the same address owns the same shares across restarts. */
export function localSubFor(email: string): string {
  const h = createHash("sha256").update(`fileshare-local:${email.toLowerCase()}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

function signInPage(uid: string, problem = ""): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in (local)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}
.note{background:#fff4ce;border:1px solid #c9a400;padding:.75rem;border-radius:6px}
input,button{font:inherit;padding:.5rem;margin:.25rem 0;width:100%;box-sizing:border-box}
.problem{color:#b00020}</style></head><body>
<h1>Sign in to fileshare</h1>
<p class="note" role="note"><strong>Local sign-in, for development only.</strong> This page signs you in as any
email address without a password. A deployed stack uses its Cognito user pool instead.</p>
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" required autofocus>
${problem ? `<p class="problem" role="alert">${escapeHtml(problem)}</p>` : ""}
<button type="submit">Sign in</button></form></body></html>`;
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (d: string) => {
      text += d;
      if (text.length > 4096) req.destroy();
    });
    req.on("end", () => resolve(new URLSearchParams(text)));
    req.on("error", reject);
  });
}

/** The two warnings oidc-provider prints on every start here, both expected: Node 20 works (FACTS: tested), and
 *  the in-memory store is the design (docs/protections.md: refresh tokens live in memory). Dropped so that `npm start`'s
 *  stderr carries only real problems; any other warning passes. */
const KNOWN_WARNINGS = [
  "oidc-provider WARNING: Unsupported runtime. Use Node.js v22.x LTS, or a later LTS release.",
  "oidc-provider WARNING: a quick start development-only in-memory adapter is used,",
];

function withoutKnownWarnings<T>(run: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    const text = String(args[0]).replace(/\x1b\[[0-9;]*m/g, "");
    if (!KNOWN_WARNINGS.some((known) => text.startsWith(known))) warn(...args);
  };
  try {
    return run();
  } finally {
    console.warn = warn;
  }
}

/** Starts the issuer on 127.0.0.1 (port 0 = any free port). */
export async function startLocalIssuer(options: IssuerOptions): Promise<LocalIssuer> {
  // oidc-provider is an ES module; Node 20.19+ loads it with require().
  const Provider = withoutKnownWarnings(
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    () => (require("oidc-provider") as { default: new (issuer: string, config: object) => OidcProvider }).default,
  );
  const state: IssuerState = options.dataDir === undefined ? newIssuerState() : await loadIssuerState(options.dataDir);
  const signingKey = state.signingKey;

  const emails = new Map<string, string>();
  const server = createServer((req, res) => {
    route(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end("The local sign-in failed; try again.");
    });
  });
  const port = await listenOnStablePort(server, options.port ?? state.port);
  if (options.dataDir !== undefined && port !== state.port) {
    await saveIssuerState(options.dataDir, { ...state, port });
  }
  const issuer = `http://127.0.0.1:${port}`;
  const ttl = options.tokenTtlSeconds ?? 3600;

  const provider = withoutKnownWarnings(
    () =>
      new Provider(issuer, {
        clients: [
          {
            client_id: LOCAL_CLIENT_ID,
            token_endpoint_auth_method: "none",
            grant_types: ["authorization_code", "refresh_token"],
            response_types: ["code"],
            redirect_uris: [...options.redirectUris],
            post_logout_redirect_uris: [...options.redirectUris],
            id_token_signed_response_alg: "RS256",
          },
        ],
        jwks: { keys: [signingKey] },
        cookies: { keys: state.cookieKeys },
        // The page calls the token endpoint from its own origin (fetch): allow exactly the registered ones.
        clientBasedCORS: (_ctx: unknown, origin: string, client: { redirectUris: string[] }) =>
          client.redirectUris.some((uri) => new URL(uri).origin === origin),
        // Cognito-like ID tokens: the email claims inside the ID token itself, and token_use.
        claims: { openid: ["sub", "token_use"], email: ["email", "email_verified"] },
        conformIdTokenClaims: false,
        // The account id is the `sub`; the email it signed in with is remembered for the claims (and refreshes).
        findAccount: (_ctx: unknown, sub: string) => {
          const email = emails.get(sub);
          return email === undefined
            ? undefined
            : { accountId: sub, claims: () => ({ sub, email, email_verified: true, token_use: "id" }) };
        },
        // Cognito issues refresh tokens to its app clients without an offline_access scope.
        issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) =>
          client.grantTypeAllowed("refresh_token"),
        // As on Cognito, ending the sign-in session (/logout) does not end its refresh tokens: only revocation
        // does. (oidc-provider's default ties them to the session, which would hide a sign-out that never revokes.)
        expiresWithSession: () => false,
        // No consent screen: the one client is this app's own page.
        loadExistingGrant: async (ctx: GrantContext) => {
          const grant = new ctx.oidc.provider.Grant({
            clientId: ctx.oidc.client.clientId,
            accountId: ctx.oidc.session.accountId,
          });
          grant.addOIDCScope("openid email");
          await grant.save();
          return grant;
        },
        interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
        // Revocation as Cognito's /oauth2/revoke: a signed-out refresh token stops working.
        features: {
          devInteractions: { enabled: false },
          // As Cognito: a client revokes only the tokens issued to it.
          revocation: {
            enabled: true,
            allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId?: string }) =>
              token.clientId === client.clientId,
          },
        },
        // Cognito's defaults are 60 minutes; tests shorten them to see the page's silent refresh.
        // Interaction and Grant stated too (oidc-provider's own values), so that it does not print a notice for each.
        ttl: {
          IdToken: ttl,
          AccessToken: ttl,
          RefreshToken: 30 * 24 * 3600,
          Session: 24 * 3600,
          Interaction: 3600,
          Grant: 30 * 24 * 3600,
        },
        pkce: { required: () => true },
      }),
  );
  const callback = provider.callback();

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const p = provider;
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (path === "/logout" && req.method === "GET") return logout(req, res);
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(path);
    if (!match) return void callback(req, res);
    const uid = match[1] as string;
    const html = (status: number, body: string) => {
      res.writeHead(status, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
      res.end(body);
    };
    if (req.method === "GET" && !match[2]) {
      await p.interactionDetails(req, res);
      return html(200, signInPage(uid));
    }
    if (req.method === "POST" && match[2]) {
      const email = (await readForm(req)).get("email")?.trim().toLowerCase() ?? "";
      if (!EMAIL_ADDRESS.test(email))
        return html(400, signInPage(uid, "Enter an email address, e.g. alice@example.com."));
      emails.set(localSubFor(email), email);
      await p.interactionFinished(
        req,
        res,
        { login: { accountId: localSubFor(email) } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    html(404, "Not found");
  }

  /** Cognito's sign-out endpoint: a known client and a registered logout_uri, else 400; ends the session. */
  async function logout(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const query = new URL(req.url ?? "/", issuer).searchParams;
    const back = query.get("logout_uri") ?? "";
    if (query.get("client_id") !== LOCAL_CLIENT_ID || !options.redirectUris.includes(back)) {
      res.writeHead(400, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("Sign-out needs this app's client_id and a registered logout_uri.");
      return;
    }
    const session = await provider.Session.get({ req, res });
    await session.destroy();
    res.writeHead(302, { Location: back, "Cache-Control": "no-store" });
    res.end();
  }

  return {
    issuer,
    clientId: LOCAL_CLIENT_ID,
    authorizationEndpoint: `${issuer}/auth`,
    tokenEndpoint: `${issuer}/token`,
    logoutEndpoint: `${issuer}/logout`,
    revocationEndpoint: `${issuer}/token/revocation`,
    jwksUrl: `${issuer}/jwks`,
    signingKey,
    close: () => closeServer(server),
  };
}

/** The parts of oidc-provider's Provider this module uses. */
interface OidcProvider {
  Session: { get(ctx: { req: IncomingMessage; res: ServerResponse }): Promise<{ destroy(): Promise<void> }> };
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<unknown>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: object,
    options: { mergeWithLastSubmission: boolean },
  ): Promise<void>;
}

interface GrantContext {
  oidc: {
    provider: { Grant: new (init: object) => { addOIDCScope(s: string): void; save(): Promise<unknown> } };
    client: { clientId: string };
    session: { accountId: string };
  };
}
