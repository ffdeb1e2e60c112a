// Capturing what the handlers log: they write JSON lines to stdout (handlers/log.ts). The one capture of the
// tests' output: captureLogs (support/harness.ts) parses what this collects.

/** Everything written to stdout (and stderr too, with `stderr: true`) while `fn` runs, with the logs at info. */
export async function captureStdout<T>(
  fn: () => Promise<T>,
  options: { stderr?: boolean } = {},
): Promise<{ result: T; text: string }> {
  const chunks: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const level = process.env["FILESHARE_LOG_LEVEL"];
  process.env["FILESHARE_LOG_LEVEL"] = "info";
  const capture = ((chunk: unknown) => (chunks.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stdout.write = capture;
  if (options.stderr) process.stderr.write = capture;
  try {
    return { result: await fn(), text: chunks.join("") };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    // Assigning undefined would leave the string "undefined" in the environment.
    if (level === undefined) delete process.env["FILESHARE_LOG_LEVEL"];
    else process.env["FILESHARE_LOG_LEVEL"] = level;
  }
}
