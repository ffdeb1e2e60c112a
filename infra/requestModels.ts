// API Gateway's request validation: the request body schemas of handlers/schemas.ts (the ones the route table names
// and the handlers' checks follow) as JSON Schema draft 4 models, and the validator every JSON-body method names.
// API Gateway then refuses a body that does not fit its model with 400 before a Lambda runs. A model may be looser
// than the handler (the handler still checks everything), never stricter: tests/infra/requestModels.test.ts checks
// that on generated bodies. Pure: no Pulumi.
import type { JsonSchema } from "../handlers/schemas";

/** The validator's name in x-amazon-apigateway-request-validators. */
export const BODY_VALIDATOR = "body";

/**
 * Body only. Parameters are not validated at the gateway: a missing X-Delete-Token must stay the handler's
 * 403 Forbidden (docs/api.md), which a parameter validator would turn into a 400.
 */
export const REQUEST_VALIDATORS = {
  [BODY_VALIDATOR]: { validateRequestBody: true, validateRequestParameters: false },
} as const;

/** OpenAPI 3.0 keywords draft 4 does not know, which API Gateway's model import would refuse or ignore. */
const OPENAPI_ONLY = new Set(["nullable", "example", "readOnly", "writeOnly", "deprecated", "discriminator", "xml"]);

/**
 * An OpenAPI 3.0 schema as JSON Schema draft 4: a `nullable` schema loses its `type` (looser: a type list with
 * "null" would be draft 4 but not OpenAPI 3.0, and the model lives in an OpenAPI 3.0 body), OpenAPI-only keywords
 * are dropped; everything else (type, required, properties, items,
 * enum, pattern, minimum/maximum, minItems/maxItems, additionalProperties, description) is draft 4 already.
 */
export function draft4Model(schema: JsonSchema): JsonSchema {
  const out: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (OPENAPI_ONLY.has(keyword)) continue;
    if (keyword === "properties") {
      out[keyword] = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, draft4Model(v)]),
      );
    } else if ((keyword === "items" || keyword === "additionalProperties") && typeof value === "object") {
      out[keyword] = draft4Model(value as JsonSchema);
    } else {
      out[keyword] = value;
    }
  }
  if (schema["nullable"] === true) delete out["type"];
  return out;
}
