// The OAuth 2.0 authorization code flow with PKCE (RFC 6749 §4.1, RFC 7636) as fileshare's Node clients speak it:
// the `fileshare` CLI (cli/signIn.ts) and `npm run token` (local/signIn.ts). Plain fetch and node:crypto, no
// dependencies, so the CLI's bundle can carry it. The page (web/js/auth.js) stays plain browser code of its own.
import { createHash, randomBytes } from "node:crypto";

/** The `auth` block of GET /config (docs/api.md v1.1). */
export interface AuthConfig {
  issuer: string;
  clientId: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  /** RFC 7009 (Cognito's /oauth2/revoke); absent from stacks deployed before it was published. */
  revocationEndpoint?: string;
  scopes: string[];
}

/** The authorization code request with PKCE (S256) and a fresh state: the address to open, and what the
 *  callback check and the code exchange need. */
export function authorizationRequest(
  auth: Pick<AuthConfig, "authorizationEndpoint" | "clientId" | "scopes">,
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

/** What the client asks the token endpoint for: the code from the callback (RFC 6749 §4.1.3, with RFC 7636's
 *  verifier), or fresh tokens for a refresh token (§6). */
export type Grant =
  | { grant_type: "authorization_code"; code: string; redirect_uri: string; code_verifier: string }
  | { grant_type: "refresh_token"; refresh_token: string };

/** The token endpoint's answer: its status and the fields fileshare reads (§5.1, §5.2). */
export interface TokenAnswer {
  status: number;
  body: { id_token?: string; access_token?: string; refresh_token?: string; error?: string };
}

/** POSTs the grant to the token endpoint as a public client (client_id, no secret). Rejects only when the endpoint
 *  cannot be reached; a refusal is an answer (each caller words its own error). */
export async function requestTokens(
  auth: Pick<AuthConfig, "tokenEndpoint" | "clientId">,
  grant: Grant,
): Promise<TokenAnswer> {
  const res = await fetch(auth.tokenEndpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: auth.clientId, ...grant }).toString(),
  });
  const body = (await res.json().catch(() => ({}))) as TokenAnswer["body"];
  return { status: res.status, body };
}
