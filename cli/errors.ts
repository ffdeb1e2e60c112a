// The CLI's one error type: a one-line message that says what happened and what to do, and an exit code.

/** Exit codes (documented in docs/cli.md). */
export const EXIT = {
  ok: 0,
  /** Something unexpected; the message says what. */
  failed: 1,
  /** Bad command line: unknown option, missing or malformed argument. */
  usage: 2,
  /** The API refused the request (not found, expired, forbidden, too large, ...), or the share is already deleted. */
  refused: 3,
  /** The network or the service failed after retries; run the same command again (uploads resume). */
  unavailable: 4,
  /** The download does not match the share's SHA-256 or size, or ran past it; the partial file was deleted. */
  verification: 5,
  /** The output file exists; pass --force to overwrite it. */
  exists: 6,
  /** Sign-in needed, or the saved sign-in expired: run `fileshare login` (or pass a token). */
  signIn: 7,
  /** Interrupted (Ctrl-C); uploads resume when run again. */
  interrupted: 130,
} as const;

/** An error the CLI reports as one line and exits with `exitCode`. */
export interface CliError extends Error {
  exitCode: number;
}

export function cliError(exitCode: number, message: string): CliError {
  return Object.assign(new Error(message), { name: "CliError", exitCode });
}

export function isCliError(e: unknown): e is CliError {
  return e instanceof Error && e.name === "CliError";
}
