// Where a command about one share (download, info, delete) sends its requests, and whether the user's credentials
// may go with them. The user's credentials (--auth-token, FILESHARE_TOKEN, the saved sign-in, FILESHARE_PASSWORD,
// --token, FILESHARE_DELETE_TOKEN) go only to the configured API: --api, else FILESHARE_API, else an API signed in
// to with `fileshare login`. A link to any other origin is still followed (a public share downloads as usual), with
// none of them. A delete token saved by `upload` is tied to the API that issued it (cli/state.ts) and goes only there.
import { parseLink, resolveApiUrl } from "./api";
import { StateStore } from "./state";

export interface LinkTarget {
  id: string;
  /** The API base URL the requests go to: the link's own, or the configured API's for a bare id. */
  apiUrl: string;
  /** Whether apiUrl has a configured API's origin, so the user's credentials may go there. */
  trusted: boolean;
  /** The configured APIs (none when nothing is configured). */
  configured: string[];
}

export const originOf = (url: string): string => new URL(url).origin;

export async function linkTarget(
  link: string,
  apiOption: string | undefined,
  store: StateStore,
  env = process.env,
): Promise<LinkTarget> {
  const parsed = parseLink(link);
  if (parsed.apiUrl === undefined) {
    const apiUrl = await resolveApiUrl(apiOption, env);
    return { id: parsed.id, apiUrl, trusted: true, configured: [apiUrl] };
  }
  const explicit = apiOption || env["FILESHARE_API"] || undefined;
  const configured = explicit !== undefined ? [await resolveApiUrl(explicit, env)] : await store.signedInApis();
  const origin = originOf(parsed.apiUrl);
  return {
    id: parsed.id,
    apiUrl: parsed.apiUrl,
    trusted: configured.some((api) => originOf(api) === origin),
    configured,
  };
}

/** The one line said when a link leads away from the configured API, naming what is held back. Nothing when the
 *  link is trusted, or when nothing is configured and nothing held back (someone downloading a link they got). */
export function untrustedNotice(target: LinkTarget, withheld: readonly string[]): string | undefined {
  if (target.trusted || (target.configured.length === 0 && withheld.length === 0)) return undefined;
  const configured =
    target.configured.length === 0
      ? "no API is configured"
      : `the configured API is ${target.configured.map(originOf).join(", ")}`;
  const listed = withheld.length > 1 ? `${withheld.slice(0, -1).join(", ")} or ${withheld.at(-1)}` : withheld[0];
  const held = listed !== undefined ? `not sending ${listed} there` : "no credentials are sent there";
  return `${originOf(target.apiUrl)} is not the configured API (${configured}): ${held}; pass --api ${target.apiUrl} if you trust it.`;
}
