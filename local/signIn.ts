// Signs in against the stack's issuer as a browser would (authorization code + PKCE, following the sign-in
// page), and prints or returns the ID token. `npm run token -- alice@example.com [--url http://127.0.0.1:3000/]`
// finds the running npm start by itself (its data folder records its URL) and works against the local issuer, whose sign-in page takes any email; a Cognito user pool needs a browser.
import { AuthConfig, authorizationRequest, requestTokens } from "../contract/oauth";
import { readAccess } from "./access";
import { parseCommandLine } from "./commandLine";
import { runningHolder } from "./lock";

export interface Tokens {
  idToken: string;
  accessToken: string;
  refreshToken?: string;
}

/** Reads GET /config of the API at `apiUrl`; fails with a clear message when the stack has no sign-in. */
export async function authConfigOf(apiUrl: string): Promise<AuthConfig> {
  const res = await fetch(new URL("config", apiUrl));
  if (res.status !== 200) throw new Error(`GET ${apiUrl}config answered ${res.status}: is fileshare running there?`);
  const body = (await res.json()) as { auth: AuthConfig | null };
  if (body.auth === null) {
    throw new Error("this stack has no sign-in: start it with FILESHARE_AUTH=cognito (or set fileshare:auth).");
  }
  return body.auth;
}

/** Follows the local issuer's redirects and sign-in form for `email`; returns the tokens. */
export async function signInLocally(auth: AuthConfig, redirectUri: string, email: string): Promise<Tokens> {
  const { url, verifier, state } = authorizationRequest(auth, redirectUri);
  const back = new URL(await followSignIn(url.toString(), redirectUri, email)).searchParams;
  if (back.get("state") !== state) throw new Error("sign-in returned a different state");
  const code = back.get("code");
  if (!code)
    throw new Error(`sign-in failed: ${back.get("error") ?? "no code"} ${back.get("error_description") ?? ""}`);
  return exchangeCode(auth, redirectUri, code, verifier);
}

/** Follows an authorization URL through the local issuer's redirects and sign-in form for `email`, as a browser
 *  would, up to the redirect back to `redirectUri`; returns that URL (with its code and state) without loading it. */
export async function followSignIn(authorizationUrl: string, redirectUri: string, email: string): Promise<string> {
  const cookies = new Map<string, string>();
  const send = async (target: string, init: RequestInit = {}): Promise<Response> => {
    const res = await fetch(target, {
      ...init,
      redirect: "manual",
      headers: {
        ...(init.headers as Record<string, string>),
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; "),
      },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return res;
  };
  let target = authorizationUrl;
  for (let hop = 0; hop < 10; hop++) {
    if (target.startsWith(redirectUri)) return target;
    let res = await send(target);
    if (res.status === 200 && /\/interaction\//.test(target)) {
      // The sign-in page: submit the email as its form would.
      res = await send(`${target}/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ email }).toString(),
      });
    }
    const location = res.headers.get("location");
    if (res.status < 300 || res.status >= 400 || !location) {
      throw new Error(
        `sign-in stopped at ${new URL(target).pathname} with ${res.status}: ${(await res.text()).slice(0, 200)}`,
      );
    }
    target = new URL(location, target).toString();
  }
  throw new Error("sign-in went through too many redirects");
}

async function exchangeCode(auth: AuthConfig, redirectUri: string, code: string, verifier: string): Promise<Tokens> {
  const { status, body } = await requestTokens(auth, {
    grant_type: "authorization_code",
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
  if (status !== 200 || !body.id_token || !body.access_token) {
    throw new Error(`the token endpoint answered ${status}: ${body.error ?? "no tokens"}`);
  }
  return { idToken: body.id_token, accessToken: body.access_token, refreshToken: body.refresh_token };
}

/** The API URL `npm run token` signs in against: --url, else FILESHARE_URL, else the npm start running on the data
 *  folder (FILESHARE_DATA_DIR or .local-data/), which records its URL there; undefined when there is none. */
export async function findApiUrl(
  given: string | undefined,
  env: Record<string, string | undefined>,
): Promise<string | undefined> {
  const url = given ?? env.FILESHARE_URL;
  if (url !== undefined) return url.endsWith("/") ? url : `${url}/`;
  const { dataDir } = parseCommandLine([], { ...env, FILESHARE_MEMORY: undefined });
  if (dataDir === undefined || (await runningHolder(dataDir)) === undefined) return undefined;
  return (await readAccess(dataDir))?.apiUrl;
}

const USAGE = "usage: npm run token -- alice@example.com [--url http://127.0.0.1:3000/]";

async function main(argv: string[]): Promise<void> {
  let given: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--url") {
      given = argv[++i];
      if (given === undefined) throw new Error(`--url needs the URL npm start printed; ${USAGE}`);
    } else rest.push(argv[i] as string);
  }
  const email = rest[0];
  if (email === undefined || rest.length !== 1 || !email.includes("@")) throw new Error(USAGE);
  const apiUrl = await findApiUrl(given, process.env);
  if (apiUrl === undefined) {
    throw new Error(
      "no npm start runs on the data folder (.local-data/ or FILESHARE_DATA_DIR): start it, or pass the URL it printed, e.g. --url http://127.0.0.1:3000/ (a --memory run needs --url).",
    );
  }
  let auth: AuthConfig;
  try {
    auth = await authConfigOf(apiUrl);
  } catch (e) {
    if ((e as Error).message === "fetch failed") {
      throw new Error(
        `nothing answers at ${apiUrl}: pass the URL npm start printed, e.g. --url http://127.0.0.1:3000/`,
        { cause: e },
      );
    }
    throw e;
  }
  // The page's own URL is a registered callback: the sign-in returns there (nothing needs to listen).
  const tokens = await signInLocally(auth, apiUrl, email);
  process.stdout.write(tokens.idToken + "\n");
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`token: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
