// Bearer tokens, checked as API Gateway's Cognito authorizer checks them: the signature against the issuer's
// published keys (JWKS), the issuer, the app client (an ID token's `aud`), `token_use: id` (a REST API
// authorizer without OAuth scopes takes ID tokens only) and the expiry. The local gateway runs this for the
// routes that require sign-in (the authorizer's job on AWS); routes where sign-in is optional run it
// themselves, because API Gateway's authorizer cannot let a request without a token through.
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, JWTVerifyGetKey } from "jose";
import type { RuntimeConfig } from "../config/runtime";
import { unauthorized } from "./errors";

/** A token's claims as the authorizer hands them to a function: every value a string. */
export type Claims = Record<string, string>;

/** Verifies a bearer token; rejects with a 401 HttpError. */
export type TokenVerifier = (token: string) => Promise<Claims>;

/** Who is calling: the token's subject and, when the issuer verified it, the email. */
export interface User {
  sub: string;
  /** A-Z lowered (emailMatchKey); present only when the token says `email_verified`. */
  email?: string;
}

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;

/** The token of an `Authorization: Bearer <JWT>` header; 401 when the header is there but is not one. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  const match = BEARER.exec(header.trim());
  if (!match) throw unauthorized('The Authorization header must be "Bearer <token>", with the ID token of a sign-in.');
  return match[1];
}

/** Claims as API Gateway passes them: strings (numbers and booleans as text). */
function asStrings(payload: Record<string, unknown>): Claims {
  return Object.fromEntries(
    Object.entries(payload).map(([k, v]) => [
      k,
      typeof v === "string" ? v : Array.isArray(v) ? v.join(",") : String(v),
    ]),
  );
}

/** A verifier for the stack's issuer; with no sign-in configured, every token is refused. `keys` replaces the
 *  issuer's JWKS (tests, and a gateway that fetched the keys itself). */
export function createTokenVerifier(
  config: Pick<RuntimeConfig, "authIssuer" | "authClientId" | "authJwksUrl">,
  keys?: JWTVerifyGetKey,
): TokenVerifier {
  if (config.authIssuer === "") {
    return async () => {
      throw unauthorized("This stack has no sign-in; send no Authorization header.");
    };
  }
  const jwks = keys ?? createRemoteJWKSet(new URL(config.authJwksUrl), { timeoutDuration: 5000 });
  return async (token) => {
    // Cognito names its signing key in every token. Without a kid, jose would try the issuer's only key, so a
    // token no Cognito pool could have issued would pass; API Gateway's authorizer refuses it, and so do we.
    if (!hasKeyId(token)) {
      throw unauthorized("The token is not valid for this API (it names no signing key); sign in again.");
    }
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: config.authIssuer,
        audience: config.authClientId,
        algorithms: ["RS256"],
        requiredClaims: ["sub", "exp", "iat"],
        clockTolerance: 0,
      }));
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === "ERR_JWT_EXPIRED") throw unauthorized("The token has expired; sign in again.");
      if (typeof code === "string" && code.startsWith("ERR_J")) {
        throw unauthorized("The token is not valid for this API (signature, issuer or audience); sign in again.");
      }
      throw e; // the issuer's keys could not be fetched: a dependency's fault, not the caller's
    }
    if (payload["token_use"] !== "id") {
      throw unauthorized("Send the ID token of your sign-in (token_use id), not an access token.");
    }
    return asStrings(payload);
  };
}

/** True when the token's protected header names its key (a non-empty `kid`). */
function hasKeyId(token: string): boolean {
  try {
    const { kid } = decodeProtectedHeader(token);
    return typeof kid === "string" && kid !== "";
  } catch {
    return false;
  }
}

/** An email address as recipients are matched: A-Z lowered, every other character exactly as written (never
 *  Unicode case folding: the Kelvin sign U+212A must not become a "k"). */
export function emailMatchKey(email: string): string {
  return email.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** The user the claims describe. */
export function userOf(claims: Claims): User {
  const email = claims["email_verified"] === "true" ? emailMatchKey(claims["email"] ?? "") : undefined;
  return { sub: claims["sub"] ?? "", ...(email ? { email } : {}) };
}

/** The signed-in caller: from the gateway's authorizer, else from a bearer token checked here; undefined
 *  without one. A bad token is a 401, never "anonymous". A user verified here is noted on the request
 *  (`request.user`), so its log line and audit events name the caller by user, not by address. */
export async function signedInUser(
  request: { claims?: Claims; headers: Record<string, string | undefined>; user?: User }, // an ApiRequest
  verify: TokenVerifier,
): Promise<User | undefined> {
  if (request.claims !== undefined) return userOf(request.claims);
  const token = bearerToken(request.headers["authorization"]);
  if (token === undefined) return undefined;
  const user = userOf(await verify(token));
  request.user = user;
  return user;
}
