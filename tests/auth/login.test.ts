// `fileshare login` (cli/signIn.ts) against `npm start`'s stack with its DEFAULT settings: the CLI's loopback callback
// http://localhost:8765/callback is registered by default (fileshare:authCallbackUrls), the listener answers on both
// loopbacks that "localhost" may resolve to, and an issuer that refuses the callback fails the login at once with
// one line naming the setting. The browser's part is the issuer's real sign-in page driven over HTTP (followSignIn).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { login } from "../../cli/signIn";
import { StateStore } from "../../cli/state";
import { LocalServer } from "../../local/server";
import { followSignIn } from "../../local/signIn";
import { waitFor } from "../support/wait";
import { startSignedInStack } from "./support";

/** The CLI's default port (cli/main.ts `login --port`), registered by default. */
const PORT = 8765;
const CALLBACK = `http://localhost:${PORT}/callback`;

describe("fileshare login with default settings against the local issuer (real sign-in flow; the browser is simulated over HTTP)", function () {
  this.timeout(120_000);
  let dir: string;
  const servers: LocalServer[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "fileshare-login-"));
  });
  after(async () => {
    for (const s of servers) await s.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts `login` and returns the address it printed, and its outcome. */
  function startLogin(server: LocalServer) {
    let printed = "";
    const done = login(server.apiUrl, new StateStore(join(dir, String(servers.length))), {
      port: PORT,
      browser: false,
      timeoutMs: 90_000,
      say: (line) => (printed += `${line}\n`),
    });
    done.catch(() => undefined);
    const address = () => waitFor(() => /^(http\S+\/auth\?\S+)$/m.exec(printed)?.[1], { what: "the sign-in address" });
    return { done, address };
  }

  for (const loopback of ["127.0.0.1", "[::1]"]) {
    it(`signs in through ${CALLBACK}, the browser reaching the CLI on ${loopback}`, async () => {
      const server = await startSignedInStack();
      servers.push(server);
      const { done, address } = startLogin(server);
      const url = new URL(await address());
      assert.equal(url.searchParams.get("redirect_uri"), CALLBACK, "Cognito's form: localhost, not 127.0.0.1");
      const back = new URL(await followSignIn(url.toString(), CALLBACK, "alice@example.com"));
      back.hostname = loopback;
      const page = await fetch(back);
      assert.equal(page.status, 200);
      const signedIn = await done;
      assert.equal(signedIn.email, "alice@example.com");
    });
  }

  it("fails at once, naming fileshare:authCallbackUrls, when the stack does not list the CLI's callback", async () => {
    const server = await startSignedInStack({ FILESHARE_AUTH_CALLBACK_URLS: '["https://app.fileshare.internal/cb"]' });
    servers.push(server);
    // The deadline is 90 s: a login that waited for a callback would end with "timed out", not this message.
    await assert.rejects(
      login(server.apiUrl, new StateStore(join(dir, "refused")), {
        port: PORT,
        browser: false,
        timeoutMs: 90_000,
        say: () => assert.fail("no address should be offered for a refused callback"),
      }),
      (e: Error) =>
        /^The sign-in service refused the callback http:\/\/localhost:8765\/callback \(HTTP 400\): add it to the stack's fileshare:authCallbackUrls/.test(
          e.message,
        ),
    );
  });
});
