// The local mode's one error type: start-up problems the user can fix, reported as one line.

/** A start-up failure with a one-line message that names the problem and the fix. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}
