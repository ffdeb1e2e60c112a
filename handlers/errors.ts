// One error model for every route: a helper per HTTP status, mapped to the docs/api.md error body in http.ts.
// These are plain Errors with fields rather than subclasses: Pulumi's closure serializer turns classes into
// functions and drops their prototype chain (measured: `instanceof` fails and `message` is lost), and
// this code runs serialized inside Lambda.

/** The `error.code` values of docs/api.md. */
export type ErrorCode =
  | "InvalidRequest"
  | "Unauthorized"
  | "Forbidden"
  | "WrongPassword"
  | "Conflict"
  | "TooManyAttempts"
  | "NotFound"
  | "NotReady"
  | "Conflict"
  | "Gone"
  | "TooLarge"
  | "UnsupportedMediaType"
  | "InternalError"
  | "Unavailable";

/** An error that knows its HTTP status and the message a client may see. */
export interface HttpError extends Error {
  readonly httpStatus: number;
  readonly code: ErrorCode;
}

function httpError(httpStatus: number, code: ErrorCode, message: string): HttpError {
  return Object.assign(new Error(message), { name: "HttpError", httpStatus, code });
}

/** True for the errors made by the helpers below. */
export function isHttpError(e: unknown): e is HttpError {
  return e instanceof Error && e.name === "HttpError" && typeof (e as HttpError).httpStatus === "number";
}

export const invalidRequest = (message: string) => httpError(400, "InvalidRequest", message);
/** Sign-in needed, or the bearer token is missing, invalid or expired. */
export const unauthorized = (message: string) => httpError(401, "Unauthorized", message);
export const forbidden = (message: string) => httpError(403, "Forbidden", message);
export const wrongPassword = () =>
  httpError(
    403,
    "WrongPassword",
    "The password is not right for this share. Check it with the person who sent the link.",
  );
/** Too many wrong passwords; `retryAfterSeconds` goes into the Retry-After header (handlers/http.ts). */
export const tooManyAttempts = (retryAfterSeconds: number) =>
  Object.assign(
    httpError(
      429,
      "TooManyAttempts",
      `Too many wrong passwords for this share; try again in ${retryAfterSeconds} seconds.`,
    ),
    { retryAfterSeconds },
  );
export const notFound = (message: string) => httpError(404, "NotFound", message);
export const notReady = (message: string) => httpError(409, "NotReady", message);
/** The request does not fit the share's state (e.g. completing an upload twice). */
export const conflict = (message: string) => httpError(409, "Conflict", message);
export const gone = (message: string) => httpError(410, "Gone", message);
export const tooLarge = (message: string) => httpError(413, "TooLarge", message);
export const unsupportedMediaType = (message: string) => httpError(415, "UnsupportedMediaType", message);
/** Our fault; the message is fixed so that nothing internal leaks. */
export const internalError = () => httpError(500, "InternalError", "Something went wrong on our side. Please retry.");
/** A dependency's fault (throttled, unreachable); safe to retry. */
export const unavailable = () =>
  httpError(503, "Unavailable", "The service is busy or a dependency is unavailable. Please retry shortly.");
