// GET /config (API v1.1): what a client needs to know about this stack, its limits and how to sign in.
// Public and cacheable; it reads only the stack's config, so its function carries no AWS SDK.
import { pageLimits, type RuntimeConfig } from "../../config/runtime";
import type { Deps } from "../deps";
import { ApiRequest, ApiResponse } from "../http";
import { API_VERSION } from "../../contract/api";

/** The scopes a client asks for: the ID token then carries the email the API needs. */
export const SIGN_IN_SCOPES = ["openid", "email"];

/** The GET /config body for a stack's config. */
export function stackDescription(config: RuntimeConfig) {
  return {
    apiVersion: API_VERSION,
    // The settings the schema marks `page` (config/schema.ts), e.g. maxFileSizeBytes and multipartThresholdBytes.
    limits: pageLimits(config),
    auth:
      config.authIssuer === ""
        ? null
        : {
            type: "oidc",
            issuer: config.authIssuer,
            clientId: config.authClientId,
            authorizationEndpoint: config.authAuthorizationEndpoint,
            tokenEndpoint: config.authTokenEndpoint,
            logoutEndpoint: config.authLogoutEndpoint,
            revocationEndpoint: config.authRevocationEndpoint,
            scopes: SIGN_IN_SCOPES,
            required: { upload: config.authUploadsRequireSignIn, download: config.authDownloadsRequireSignIn },
          },
    // Write routes need an API key (x-api-key) from callers that are not signed in.
    apiKeys: config.apiKeys,
  };
}

export async function getConfig(_request: ApiRequest, deps: Pick<Deps, "config">): Promise<ApiResponse> {
  return {
    status: 200,
    body: stackDescription(deps.config),
    headers: { "Cache-Control": "public, max-age=300" },
  };
}
