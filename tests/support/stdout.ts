// Capturing what the handlers log: they write JSON lines to stdout (handlers/log.ts).

/** Everything written to stdout while `fn` runs, with the logs at info. */
export async function captureStdout<T>(fn: () => Promise<T>): Promise<{ result: T; text: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const level = process.env["FILESHARE_LOG_LEVEL"];
  process.env["FILESHARE_LOG_LEVEL"] = "info";
  process.stdout.write = ((chunk: unknown) => (chunks.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    return { result: await fn(), text: chunks.join("") };
  } finally {
    process.stdout.write = write;
    // Assigning undefined would leave the string "undefined" in the environment.
    if (level === undefined) delete process.env["FILESHARE_LOG_LEVEL"];
    else process.env["FILESHARE_LOG_LEVEL"] = level;
  }
}
