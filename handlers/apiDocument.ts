// The public OpenAPI 3 document of the API, generated from the route table: served at GET /openapi.json and
// the base of the API Gateway definition (infra/openapi.ts adds its x-amazon-apigateway extensions on top).
// Pure: plain values in, plain values out.
import type { ResponseSpec, RouteSpec } from "./routeSpec";
import { JsonSchema, SchemaName, SCHEMAS } from "./schemas";
import { API_VERSION } from "../contract/api";

/** Every route's common failures, added to each operation. */
const COMMON_RESPONSES: Readonly<Record<string, ResponseSpec>> = {
  "500": { description: "InternalError: our fault; safe to retry", json: "Error" },
  "503": { description: "Unavailable: a dependency is busy or away; safe to retry", json: "Error" },
};

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });

/** The path and header parameters of a route. */
export function parametersOf(route: RouteSpec) {
  const path = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1] as string,
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  const headers = Object.entries(route.headers ?? {}).map(([name, h]) => ({
    name,
    in: "header",
    required: h.required,
    description: h.description,
    schema: { type: "string" },
  }));
  return [...path, ...headers];
}

function response(spec: ResponseSpec) {
  const content: Record<string, { schema: JsonSchema }> = {};
  if (spec.json !== undefined) content["application/json"] = { schema: ref(spec.json) };
  if (spec.html) content["text/html"] = { schema: { type: "string" } };
  return Object.keys(content).length === 0
    ? { description: spec.description }
    : { description: spec.description, content };
}

/** One route as an OpenAPI operation (no API Gateway extensions). */
export function operationOf(route: RouteSpec) {
  const responses = { ...route.responses, ...COMMON_RESPONSES };
  return {
    operationId: route.name,
    summary: route.summary,
    "x-fileshare-auth": route.auth,
    parameters: parametersOf(route),
    ...(route.request === undefined
      ? {}
      : { requestBody: { required: true, content: { "application/json": { schema: ref(route.request) } } } }),
    responses: Object.fromEntries(Object.entries(responses).map(([status, spec]) => [status, response(spec)])),
  };
}

/** The schemas the routes refer to, by name. */
function schemasOf(routes: readonly RouteSpec[]): Record<string, JsonSchema> {
  const names = new Set<SchemaName>();
  for (const route of routes) {
    if (route.request !== undefined) names.add(route.request);
    for (const spec of [...Object.values(route.responses), ...Object.values(COMMON_RESPONSES)]) {
      if (spec.json !== undefined) names.add(spec.json);
    }
  }
  return Object.fromEntries([...names].sort().map((name) => [name, SCHEMAS[name]]));
}

/** The OpenAPI 3.0 document of `routes`. Throws when two routes share a method and path. */
export function apiDocument(routes: readonly RouteSpec[], title = "fileshare") {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const operations = (paths[route.path] ??= {});
    const method = route.method.toLowerCase();
    if (operations[method] !== undefined) throw new Error(`two routes for ${route.method} ${route.path}`);
    operations[method] = operationOf(route);
  }
  return {
    openapi: "3.0.1",
    info: {
      title,
      version: API_VERSION,
      description: "Serverless file sharing with pre-signed S3 URLs. The reference is docs/api.md in the repository.",
    },
    paths,
    components: { schemas: schemasOf(routes) },
  };
}
