// fileshare:apiKeys: who may call a write route. A signed-in caller (a valid bearer token) needs no key; anyone else
// sends an API key in x-api-key. On AWS this is a Lambda REQUEST authorizer with the API's key source set to
// AUTHORIZER: it answers with the key API Gateway meters against a usage plan (the caller's own key, or for
// signed-in callers the stack's page key, which never leaves AWS). Locally the gateway runs the same decision.
import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { bearerToken, createTokenVerifier, TokenVerifier } from "./auth";
import { forbidden, isHttpError } from "./errors";
import { AuthEndpoints, ENV_NAMES, OTHER_ENV_NAMES } from "../config/runtime";

/** The authorizer's environment variables for a stack: where tokens come from ("" = the stack has no sign-in) and
 *  the page key's value (a secret). */
export function authorizerEnvironment(auth: AuthEndpoints | undefined, pageKey: string): Record<string, string> {
  return {
    [ENV_NAMES.authIssuer]: auth?.issuer ?? "",
    [ENV_NAMES.authClientId]: auth?.clientId ?? "",
    [ENV_NAMES.authJwksUrl]: auth?.jwksUrl ?? "",
    [OTHER_ENV_NAMES.pageApiKey]: pageKey,
  };
}

/** What a caller without sign-in and without a key is told. */
export const KEY_NEEDED = "Send your API key in the x-api-key header, or sign in.";

/** Who is calling a write route: signed in (its token verified) or a key holder (the key is API Gateway's to check). */
export type WriteCaller = { kind: "signedIn"; sub: string } | { kind: "key"; key: string };

/**
 * The decision for a write route. A bearer token is verified (a bad one is a 401, never a fallback to the key);
 * without one, a non-empty x-api-key is taken; without either, 403 Forbidden. `headers` have lower-case names.
 */
export async function writeCaller(
  headers: Record<string, string | undefined>,
  verify: TokenVerifier,
): Promise<WriteCaller> {
  const token = bearerToken(headers["authorization"]);
  if (token !== undefined) return { kind: "signedIn", sub: (await verify(token))["sub"] ?? "" };
  const key = (headers["x-api-key"] ?? "").trim();
  if (key === "") throw forbidden(KEY_NEEDED);
  return { kind: "key", key };
}

/** An IAM policy for API Gateway: this one method, allowed or denied. */
function policy(principalId: string, effect: "Allow" | "Deny", methodArn: string, usageIdentifierKey?: string) {
  return {
    principalId,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: effect, Resource: methodArn }],
    },
    ...(usageIdentifierKey === undefined ? {} : { usageIdentifierKey }),
  };
}

/** The authorizer's answer: Allow with the key to meter, Deny (403) without a key, or throw "Unauthorized" (401). */
export async function authorizeWrite(event: APIGatewayRequestAuthorizerEvent, verify: TokenVerifier, pageKey: string) {
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  let caller: WriteCaller;
  try {
    caller = await writeCaller(headers, verify);
  } catch (e) {
    if (!isHttpError(e)) throw e;
    // API Gateway maps exactly this error message to 401 (the UNAUTHORIZED gateway response).
    if (e.httpStatus === 401) throw new Error("Unauthorized", { cause: e });
    return policy("anonymous", "Deny", event.methodArn);
  }
  // The key only names what to meter; API Gateway refuses a key that is not in a usage plan of this stage (403).
  return caller.kind === "signedIn"
    ? policy(caller.sub, "Allow", event.methodArn, pageKey)
    : policy("api-key", "Allow", event.methodArn, caller.key);
}

/** The authorizer's callbackFactory: the token verifier and the page key once per cold start. */
export function apiKeyAuthorizerFactory() {
  return () => {
    const env = process.env;
    const pageKey = env[OTHER_ENV_NAMES.pageApiKey] ?? "";
    if (pageKey === "") throw new Error(`${OTHER_ENV_NAMES.pageApiKey} is not set`);
    const verify = createTokenVerifier({
      authIssuer: env[ENV_NAMES.authIssuer] ?? "",
      authClientId: env[ENV_NAMES.authClientId] ?? "",
      authJwksUrl: env[ENV_NAMES.authJwksUrl] ?? "",
    });
    return (event: APIGatewayRequestAuthorizerEvent) => authorizeWrite(event, verify, pageKey);
  };
}
