// A route's sign-in on a given stack: its declared access (handlers/routeTable.ts) under the stack's settings.
import type { RuntimeConfig } from "../config/runtime";
import type { RouteAuth, RouteSpec } from "./routeSpec";

/** A route's sign-in on a stack: what the gateway (API Gateway's authorizer, or the local one) enforces. */
export function routeAuth(
  route: Pick<RouteSpec, "auth" | "authFollows">,
  config: Pick<RuntimeConfig, "authIssuer" | "authUploadsRequireSignIn" | "authDownloadsRequireSignIn">,
): RouteAuth {
  if (config.authIssuer === "") return "none";
  if (route.auth !== "optional" || route.authFollows === undefined) return route.auth;
  const required = route.authFollows === "upload" ? config.authUploadsRequireSignIn : config.authDownloadsRequireSignIn;
  return required ? "required" : "optional";
}
