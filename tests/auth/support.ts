// A local stack with sign-in (auth: cognito) in this process, real tokens from its issuer's sign-in flow, and
// tokens signed with the issuer's key but with one thing wrong, to try what the gateway must refuse.
import { generateKeyPairSync } from "node:crypto";
import { importJWK, JWK, SignJWT } from "jose";
import { LocalServer, startLocal } from "../../local/server";
import { loadSettings } from "../../local/settings";
import { LocalIssuer, localSubFor } from "../../local/oidc";
import { signInLocally } from "../../local/signIn";

export const ORIGIN = "http://127.0.0.1:3000";

/** Starts `npm start`'s stack in memory with sign-in on and uploads requiring it (stated here, not taken from
 *  Pulumi.dev.yaml, which lets anonymous visitors share); `env` adds or overrides FILESHARE_* settings. */
export async function startSignedInStack(env: Record<string, string> = {}): Promise<LocalServer> {
  const settings = await loadSettings({
    FILESHARE_AUTH: "cognito",
    FILESHARE_AUTH_UPLOADS_REQUIRE_SIGN_IN: "true",
    ...env,
  });
  return startLocal({ port: 0, settings });
}

/** An ID token for `email` through the issuer's real sign-in flow (code + PKCE). */
export async function tokenFor(server: LocalServer, email: string): Promise<string> {
  const issuer = server.issuer;
  if (!issuer) throw new Error("the stack has no issuer");
  const auth = { ...issuer, scopes: ["openid", "email"] };
  return (await signInLocally(auth, server.apiUrl, email)).idToken;
}

/** A token signed with the issuer's own key (unless `key` is given), with `claims` overriding good ones. */
export function craftToken(
  server: LocalServer,
  claims: Record<string, unknown> = {},
  options: TokenOptions = {},
): Promise<string> {
  return mintToken(server.issuer!, claims, options);
}

/** What a minted token may get wrong: another key, a lifetime, or no key id in its header. */
export interface TokenOptions {
  key?: JWK;
  expiresIn?: number;
  /** Leaves the header's kid out (Cognito's tokens always name their signing key). */
  noKid?: boolean;
}

/** An ID token as the issuer would sign it (mallory's, unless `claims` say otherwise), minted directly with its
 *  key: for a test that needs one thing wrong, or a token without the sign-in flow. */
export async function mintToken(
  issuer: Pick<LocalIssuer, "issuer" | "clientId" | "signingKey">,
  claims: Record<string, unknown> = {},
  options: TokenOptions = {},
): Promise<string> {
  const key = options.key ?? issuer.signingKey;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    sub: localSubFor("mallory@example.com"),
    email: "mallory@example.com",
    email_verified: true,
    token_use: "id",
    iss: issuer.issuer,
    aud: issuer.clientId,
    iat: now - 60,
    exp: now + (options.expiresIn ?? 600),
    ...claims,
  })
    .setProtectedHeader(options.noKid ? { alg: "RS256" } : { alg: "RS256", kid: issuer.signingKey.kid })
    .sign(await importJWK(key, "RS256"));
}

/** A private key the issuer never published, with the issuer's key id. */
export function foreignKey(server: LocalServer): JWK {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { ...(privateKey.export({ format: "jwk" }) as JWK), kid: server.issuer!.signingKey.kid };
}

export interface Reply {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** One API call over HTTP, from the page's origin; `token` goes in as a bearer token. */
export async function call(
  server: LocalServer,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const res = await fetch(new URL(path.replace(/^\//, ""), server.apiUrl), {
    method,
    headers: {
      origin: ORIGIN,
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

/** Creates a share as `token`'s user, uploads its bytes and waits until it is available. */
export async function share(
  server: LocalServer,
  token: string | undefined,
  fields: Record<string, unknown> = {},
): Promise<{ id: string; deleteToken: string; shareUrl: string }> {
  const bytes = Buffer.from("hello world");
  const created = await call(server, "POST", "/uploads", {
    token,
    body: { fileName: "report.txt", contentType: "text/plain", size: bytes.length, ...fields },
  });
  if (created.status !== 201) throw new Error(`POST /uploads: ${created.status} ${JSON.stringify(created.json)}`);
  const put = await fetch(created.json.uploadUrl, { method: "PUT", headers: created.json.headers, body: bytes });
  if (put.status !== 200) throw new Error(`PUT: ${put.status}`);
  await server.backends.idle();
  return created.json;
}

/** Asks the local issuer for fresh tokens with a refresh token; the status (400 once the token was revoked). */
export async function refreshStatus(
  server: LocalServer,
  refreshToken: string,
): Promise<{ status: number; error?: string }> {
  const issuer = server.issuer!;
  const res = await fetch(issuer.tokenEndpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: issuer.clientId }),
  });
  return { status: res.status, error: ((await res.json()) as { error?: string }).error };
}
