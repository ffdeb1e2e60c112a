// Secrets from the person at the terminal: read without echo, or from an environment variable for scripts.
import { cliError, EXIT } from "./errors";

/** Reads one line from the terminal without showing it. Ctrl-C exits as an interruption. Without a terminal,
 *  fails with `noTerminal`. */
export function promptHidden(
  question: string,
  noTerminal = "No terminal to ask for the password: set FILESHARE_PASSWORD instead.",
  input = process.stdin,
  output = process.stderr,
): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!input.isTTY) {
      reject(cliError(EXIT.usage, noTerminal));
      return;
    }
    output.write(question);
    let text = "";
    const done = (fn: () => void) => {
      input.setRawMode(false);
      input.pause();
      input.off("data", onData);
      output.write("\n");
      fn();
    };
    const onData = (data: Buffer) => {
      for (const ch of data.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return done(() => resolve(text));
        if (ch === "\u0003") return done(() => reject(cliError(EXIT.interrupted, "interrupted.")));
        if (ch === "\u0004") return done(() => resolve(text));
        if (ch === "\u007f" || ch === "\b") text = [...text].slice(0, -1).join("");
        else if (ch >= " ") text += ch;
      }
    };
    input.setRawMode(true);
    input.resume();
    input.on("data", onData);
  });
}

/** The password from FILESHARE_PASSWORD, else asked at the terminal (twice when `confirm`, for a new share). */
export async function readPassword(purpose: string, confirm: boolean, env = process.env): Promise<string> {
  const given = env["FILESHARE_PASSWORD"];
  if (given !== undefined && given !== "") return given;
  const password = await promptHidden(`${purpose}: `);
  if (confirm && (await promptHidden("Type it again: ")) !== password) {
    throw cliError(EXIT.usage, "The two passwords differ; run the command again.");
  }
  if (password === "") throw cliError(EXIT.usage, "No password given.");
  return password;
}
