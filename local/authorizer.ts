// The local gateway's emulation of API Gateway's Cognito authorizer: a route that requires sign-in gets the
// claims of a valid ID token, or a 401 before any handler runs.
import type { Deps } from "../handlers/deps";
import { bearerToken, Claims } from "../handlers/auth";
import { isHttpError } from "../handlers/errors";

/** Verifies a bearer token as the Cognito authorizer would; the claims, or what was wrong. */
export async function authorize(
  header: string | undefined,
  deps: Pick<Deps, "verifyToken">,
): Promise<Claims | { error: string }> {
  try {
    const token = bearerToken(header);
    if (token === undefined) return { error: "Sign in first: send Authorization: Bearer <ID token>." };
    return await deps.verifyToken(token);
  } catch (e) {
    if (isHttpError(e)) return { error: e.message };
    throw e;
  }
}
