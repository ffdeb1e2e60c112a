// One error model for every route: a helper per HTTP status, mapped to the docs/api.md error body in http.ts.
// These are plain Errors with fields rather than subclasses: Pulumi's closure serializer turns classes into
// functions and drops their prototype chain (measured: `instanceof` fails and `message` is lost), and
// this code runs serialized inside Lambda.

/** The `error.code` values of docs/api.md. */
export type ErrorCode =
  | "InvalidRequest"
  | "Forbidden"
  | "NotFound"
  | "NotReady"
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
export const forbidden = (message: string) => httpError(403, "Forbidden", message);
export const notFound = (message: string) => httpError(404, "NotFound", message);
export const notReady = (message: string) => httpError(409, "NotReady", message);
export const gone = (message: string) => httpError(410, "Gone", message);
export const tooLarge = (message: string) => httpError(413, "TooLarge", message);
export const unsupportedMediaType = (message: string) => httpError(415, "UnsupportedMediaType", message);
/** Our fault; the message is fixed so that nothing internal leaks. */
export const internalError = () => httpError(500, "InternalError", "Something went wrong on our side. Please retry.");
/** A dependency's fault (throttled, unreachable); safe to retry. */
export const unavailable = () =>
  httpError(503, "Unavailable", "The service is busy or a dependency is unavailable. Please retry shortly.");
