// The local gateway's routing: the request target as sent, the path the route table is matched against (as API
// Gateway REST matches it), and the query string as a proxy event carries it.

/** The request target as sent, split at the first "?": no URL parser, so no dot-segment or "//host" rewriting. */
export function splitTarget(target: string): { path: string; query: string } {
  const at = target.indexOf("?");
  return at === -1 ? { path: target, query: "" } : { path: target.slice(0, at), query: target.slice(at + 1) };
}

/** The path the routes are matched against: API Gateway REST routes /files/x/ to the resource /files/x. */
export function routingPath(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

/** Every value of each query key, in order (proxyEvent takes the last one for queryStringParameters). */
export function queryValues(query: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const params = new URLSearchParams(query);
  for (const key of new Set(params.keys())) out[key] = params.getAll(key);
  return out;
}
