// Facts of the published API (docs/api.md) that more than one side states: the server's handlers, the API Gateway
// definition, the bucket's CORS rule, the settings' checks, the local issuer.

/** The version of docs/api.md this code serves (GET /config's apiVersion, the OpenAPI document's info.version). */
export const API_VERSION = "1.2";

/** How long a browser may cache a CORS preflight answer, seconds: the API's OPTIONS answers (handlers and API
 *  Gateway) and the bucket's CORS rule. */
export const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** A base64 SHA-256 digest (44 characters, one "=" of padding). */
export const SHA256_BASE64 = /^[A-Za-z0-9+/]{43}=$/;

/** A practical email address check (whoever sends mail verifies the address itself): local@domain.tld, no spaces,
 *  no quoting, any letter case. */
export const EMAIL_ADDRESS = /^[^\s@",<>;:()[\]]{1,64}@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
