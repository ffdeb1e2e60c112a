// Sign-in (API v1.1): the authorization code flow with PKCE against the endpoints GET /config names (a Cognito
// managed login on AWS, the local issuer under `npm start`; the same code for both), silent refresh, sign-out.
// Tokens live in sessionStorage, not localStorage: they stay in this tab and end with it (closing the tab signs
// out), they are never shared with other tabs or left on disk for weeks, and a refresh token, which outlives
// every ID token, goes with them. Any script on the page could read either store, which is why the page runs
// only its own hash-pinned script (CSP).
/* exported loadAuth, finishSignIn, signIn, signOut, bearerToken, signedInEmail, authSettings, stackNeedsApiKey, onSessionChange, sessionExpired */
/* global $, apiBase, setStatus, showError */

const SESSION_KEY = "fileshare.session";
const PENDING_KEY = "fileshare.signin";
/** Where a sign-out started: the sign-in service sends the browser back to the page's root (its one registered
 *  logout URI), and the page goes on from there to this path. */
const SIGNED_OUT_FROM_KEY = "fileshare.signout";
/** GET /config's auth block, or null (auth none, or an older API). */
let authSettings = null;
/** GET /config's apiKeys: callers that are not signed in need an API key to share (the page has none). */
let stackNeedsApiKey = false;
let refreshTimer = null;
const sessionListeners = [];

const storage = () => window.sessionStorage;

function base64url(bytes) {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return window.btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** n random bytes as base64url (WebCrypto's CSPRNG): PKCE verifier, state, nonce. */
const randomText = (n) => base64url(window.crypto.getRandomValues(new Uint8Array(n)));

/** The PKCE S256 challenge of a verifier. */
async function challengeOf(verifier) {
  const digest = await window.crypto.subtle.digest("SHA-256", new window.TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** The claims of a JWT, unverified: the API verifies tokens; the page only reads its email, nonce and expiry. */
function claimsOf(jwt) {
  try {
    const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(window.atob(part), (c) => c.charCodeAt(0));
    return JSON.parse(new window.TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

/** Where sign-in returns: the page's own address (a registered callback URL on both sides). */
const redirectUri = () => apiBase.toString();

function readSession() {
  try {
    return JSON.parse(storage().getItem(SESSION_KEY) || "null");
  } catch {
    return null;
  }
}

function signedInEmail() {
  const session = readSession();
  return session ? session.email : null;
}

function onSessionChange(listener) {
  sessionListeners.push(listener);
}

function saveSession(session) {
  const before = signedInEmail();
  if (session) storage().setItem(SESSION_KEY, JSON.stringify(session));
  else storage().removeItem(SESSION_KEY);
  scheduleRefresh();
  showAccount();
  // A silent refresh keeps the same person: only a sign-in or sign-out changes what the page shows.
  const after = session ? session.email : null;
  if (after !== before) for (const listener of sessionListeners) listener(after);
}

/** Turns a token endpoint answer into the session: ID token (the API's bearer token), its expiry, the email. */
function sessionFrom(body, previous) {
  const claims = claimsOf(body.id_token);
  if (!claims || !claims.email) throw new Error("The sign-in answered without an email address.");
  const now = Date.now();
  return {
    idToken: body.id_token,
    // Cognito keeps one refresh token; the local issuer rotates it. Keep whichever is newest.
    refreshToken: body.refresh_token || (previous && previous.refreshToken) || null,
    issuedAt: now,
    expiresAt: claims.exp ? claims.exp * 1000 : now + (body.expires_in || 3600) * 1000,
    email: claims.email,
  };
}

async function tokenRequest(params) {
  const response = await fetch(authSettings.tokenEndpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new window.URLSearchParams(Object.assign({ client_id: authSettings.clientId }, params)).toString(),
    credentials: "omit",
    cache: "no-store",
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || !body.id_token) {
    throw new Error("The sign-in service refused (" + (body.error || response.status) + "). Please sign in again.");
  }
  return body;
}

/** Starts sign-in: remembers verifier, state, nonce and where to come back, then goes to the sign-in page. */
async function signIn() {
  if (!authSettings) return;
  const pending = {
    verifier: randomText(32),
    state: randomText(16),
    nonce: randomText(16),
    returnTo: window.location.pathname + window.location.search,
  };
  storage().setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(authSettings.authorizationEndpoint);
  url.search = new window.URLSearchParams({
    client_id: authSettings.clientId,
    response_type: "code",
    redirect_uri: redirectUri(),
    scope: authSettings.scopes.join(" "),
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await challengeOf(pending.verifier),
    code_challenge_method: "S256",
  }).toString();
  window.location.assign(url.toString());
}

/**
 * At the redirect URI with ?code&state (or ?error): checks the state, exchanges the code with the verifier,
 * checks the nonce, keeps the tokens. Returns the path to go back to, or null when this is no sign-in return.
 */
async function finishSignIn() {
  const query = new window.URLSearchParams(window.location.search);
  if (!query.has("state") || !(query.has("code") || query.has("error"))) return finishSignOut();
  const pending = JSON.parse(storage().getItem(PENDING_KEY) || "null");
  storage().removeItem(PENDING_KEY);
  // The code must not stay in the address bar (or in history) whatever happens next.
  window.history.replaceState(null, "", window.location.pathname);
  if (!pending || query.get("state") !== pending.state) {
    showError("That sign-in was not started from this tab (its state did not match). Please sign in again.");
    return null;
  }
  if (query.has("error")) {
    showError("Sign-in did not complete (" + (query.get("error_description") || query.get("error")) + ").");
    return null;
  }
  try {
    const body = await tokenRequest({
      grant_type: "authorization_code",
      code: query.get("code"),
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
    });
    const claims = claimsOf(body.id_token);
    if (!claims || claims.nonce !== pending.nonce) throw new Error("The sign-in answer was not for this page.");
    saveSession(sessionFrom(body, null));
    setStatus("Signed in as " + signedInEmail() + ".");
  } catch (e) {
    showError(e.message);
    return null;
  }
  return pending.returnTo;
}

/** Back from the sign-in service's logout: the path the sign-out started from (a path of this page only), or null. */
function finishSignOut() {
  const from = storage().getItem(SIGNED_OUT_FROM_KEY);
  storage().removeItem(SIGNED_OUT_FROM_KEY);
  if (from === null || !from.startsWith(apiBase.pathname) || from.startsWith("//")) return null;
  return from;
}

/** Refreshes the ID token with the refresh token; on refusal the session ends (the person signs in again). */
async function refreshSession() {
  const session = readSession();
  if (!session || !authSettings) return null;
  if (!session.refreshToken) {
    sessionExpired();
    return null;
  }
  try {
    const body = await tokenRequest({ grant_type: "refresh_token", refresh_token: session.refreshToken });
    saveSession(sessionFrom(body, session));
    return readSession();
  } catch {
    sessionExpired();
    return null;
  }
}

/** Refreshes silently when 80% of the ID token's life has passed (Cognito's tokens live 5-60 minutes). */
function scheduleRefresh() {
  window.clearTimeout(refreshTimer);
  const session = readSession();
  if (!session || !authSettings) return;
  const life = session.expiresAt - session.issuedAt;
  const due = session.issuedAt + life * 0.8 - Date.now();
  refreshTimer = setTimeout(refreshSession, Math.max(due, 0));
}

/** The bearer token for an API call (refreshed first when it is about to expire), or null when signed out. */
async function bearerToken() {
  let session = readSession();
  if (!session || !authSettings) return null;
  const margin = Math.min(30000, (session.expiresAt - session.issuedAt) * 0.2);
  if (session.expiresAt - Date.now() < margin) session = await refreshSession();
  return session ? session.idToken : null;
}

/** The API refused our token (e.g. the issuer changed keys): forget it and say so. */
function sessionExpired() {
  if (!readSession()) return;
  saveSession(null);
  showError("Your sign-in has ended. Sign in again to see your files.");
}

/** Revokes a refresh token (RFC 7009, Cognito's /oauth2/revoke), so that a copy of it signs nobody in again.
 *  Best effort: an unreachable service must not keep a person signed in here. */
async function revoke(refreshToken) {
  try {
    await fetch(authSettings.revocationEndpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new window.URLSearchParams({ token: refreshToken, client_id: authSettings.clientId }).toString(),
      credentials: "omit",
      cache: "no-store",
      signal: window.AbortSignal.timeout(5000),
    });
  } catch {
    // The token still ends at its own expiry.
  }
}

/** Signs out: forgets the tokens in this tab and revokes the refresh token, then ends the sign-in service's
 *  session (Cognito's /logout). */
async function signOut() {
  const session = readSession();
  saveSession(null);
  if (!authSettings) return;
  if (session && session.refreshToken && authSettings.revocationEndpoint) await revoke(session.refreshToken);
  if (!authSettings.logoutEndpoint) return;
  storage().setItem(SIGNED_OUT_FROM_KEY, window.location.pathname);
  const url = new URL(authSettings.logoutEndpoint);
  url.search = new window.URLSearchParams({ client_id: authSettings.clientId, logout_uri: redirectUri() }).toString();
  window.location.assign(url.toString());
}

/** The header's account area: "Sign in", or the email and "Sign out". Hidden on stacks without sign-in. */
function showAccount() {
  const box = $("account");
  if (!authSettings) {
    box.hidden = true;
    return;
  }
  const email = signedInEmail();
  box.hidden = false;
  $("account-email").textContent = email ? "Signed in as " + email : "";
  $("account-email").hidden = !email;
  $("sign-in-button").hidden = Boolean(email);
  $("sign-out-button").hidden = !email;
}

/** Reads GET /config's auth block and sets up the header; the page works without it (auth none). */
async function loadAuth() {
  try {
    const response = await fetch(new URL("config", apiBase).toString(), { credentials: "omit" });
    const body = response.ok ? await response.json() : null;
    authSettings = body && body.auth ? body.auth : null;
    stackNeedsApiKey = Boolean(body && body.apiKeys === true);
  } catch {
    authSettings = null;
  }
  $("sign-in-button").addEventListener("click", () => void signIn());
  $("sign-out-button").addEventListener("click", signOut);
  if (!authSettings) saveSession(null);
  showAccount();
  scheduleRefresh();
}
