// The API: every route of the table (handlers/routeTable.ts) with its handler, GET /openapi.json's included,
// whose handler serves the OpenAPI document built from the table (apiDocument.ts).
import { apiDocument } from "./apiDocument";
import { API_ROUTES, OPENAPI_ROUTE } from "./routeTable";
import type { Route } from "./routeSpec";
import { serveApiDocument } from "./routes/openapi";

/** The OpenAPI document of every route, as JSON text: built once here, carried by value into the openapi
 *  function's code, so that function needs neither the other handlers nor any SDK. */
export const API_DOCUMENT_JSON = JSON.stringify(apiDocument([...API_ROUTES, OPENAPI_ROUTE]));

export const ROUTES: readonly Route[] = [
  ...API_ROUTES,
  { ...OPENAPI_ROUTE, needs: "none", handler: serveApiDocument(API_DOCUMENT_JSON) },
];
