// GET /openapi.json: this API as an OpenAPI 3 document, generated from the route table (apiDocument.ts).
import type { ConfigOnly, RouteHandler } from "../http";

/** The handler that serves `documentJson` (built at load time by handlers/api.ts), with this stack's base URL
 *  as its server. It captures only that text, so its function carries no other handler and no SDK. */
export function serveApiDocument(documentJson: string): RouteHandler<ConfigOnly> {
  let document: Record<string, unknown> | undefined;
  return async (request) => {
    document ??= JSON.parse(documentJson) as Record<string, unknown>;
    return {
      status: 200,
      headers: { "Cache-Control": "public, max-age=300" },
      body: { ...document, servers: [{ url: request.baseUrl }] },
    };
  };
}
