// The local system's lifecycle: the gateway, the S3 and DynamoDB servers, the sign-in issuer (auth cognito)
// and the data-folder lock, started in an
// order that fails fast, and stopped together.
import { randomBytes } from "node:crypto";
import { Settings } from "../config/schema";
import { readAccess, saveAccess } from "./access";
import { Backends, startBackends } from "./backends";
import { startCleanupTimer } from "./cleanup";
import { StartupError } from "./errors";
import { createGateway, Gateway } from "./gateway";
import { lockDataDir, prepareDataDir } from "./lock";
import { LocalIssuer, startLocalIssuer } from "./oidc";
import { localRuntimeConfig } from "./settings";

export interface LocalOptions {
  /** 0 = any free port. */
  port: number;
  /** Where data is kept across restarts; undefined = in memory / a temp folder, removed on close. */
  dataDir?: string;
  settings: Settings;
  /** Serve under /<stage>/ like a deployed API Gateway stage (tests use it); default: at the root. */
  stage?: string;
  /** fileshare:apiKeys: the local API key (FILESHARE_LOCAL_API_KEY); default: a random one made at start. */
  apiKey?: string;
  /** The local issuer's token lifetime (default 3600 s); tests shorten it to see the page refresh. */
  tokenTtlSeconds?: number;
}

export interface LocalServer {
  port: number;
  /** The web page, e.g. http://127.0.0.1:3000/ */
  pageUrl: string;
  /** The API base URL (docs/api.md's base URL, ends with "/"). */
  apiUrl: string;
  backends: Backends;
  gateway: Gateway;
  /** The local OpenID Connect issuer, when the settings say auth: cognito. */
  issuer?: LocalIssuer;
  /** The API key the write routes take (x-api-key), when the settings say apiKeys: true. */
  apiKey?: string;
  close(): Promise<void>;
}

/** The local API key: the one given (at least 20 characters, as API Gateway requires), or a random one. */
function localApiKey(given: string | undefined): string {
  if (given === undefined || given === "") return randomBytes(20).toString("hex");
  if (given.length < 20) throw new StartupError("FILESHARE_LOCAL_API_KEY must be at least 20 characters long.");
  return given;
}

/** Starts the gateway on 127.0.0.1 (first, so the port is known and a taken port fails fast), then the backends. */
export async function startLocal(options: LocalOptions): Promise<LocalServer> {
  const apiKey = options.settings.apiKeys ? localApiKey(options.apiKey) : undefined;
  let unlock = async () => {};
  if (options.dataDir !== undefined) {
    await prepareDataDir(options.dataDir);
    unlock = await lockDataDir(options.dataDir);
  }
  let backends: Backends | undefined;
  const gateway = createGateway({ deps: () => backends?.deps, stage: options.stage, apiKey });
  let port: number;
  try {
    port = await gateway.listen(options.port);
  } catch (e) {
    await unlock();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      throw new StartupError(
        `port ${options.port} is already in use: stop the program using it, or start with PORT=<another port> (PORT=0 picks a free one).`,
      );
    }
    if (code === "EACCES") {
      throw new StartupError(`not allowed to listen on port ${options.port}: use a port above 1023, e.g. PORT=3000.`);
    }
    throw e;
  }
  const pageOrigins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  const stagePath = options.stage ? `/${options.stage}/` : "/";
  let issuer: LocalIssuer | undefined;
  try {
    if (options.settings.auth === "cognito") {
      // The user pool's local stand-in; sign-in returns to the page (either host name) or a configured callback.
      issuer = await startLocalIssuer({
        redirectUris: [...pageOrigins.map((o) => o + stagePath), ...options.settings.authCallbackUrls],
        // Its keys and port live with the data, so a restart keeps everyone signed in.
        dataDir: options.dataDir,
        tokenTtlSeconds: options.tokenTtlSeconds,
      });
    }
    backends = await startBackends({
      config: localRuntimeConfig(options.settings, pageOrigins, issuer),
      dataDir: options.dataDir,
      extraCorsOrigins: pageOrigins,
      auditWebhookUrl: options.settings.auditWebhookUrl,
    });
  } catch (e) {
    await gateway.close();
    await issuer?.close();
    await unlock();
    const message = e instanceof Error ? e.message : String(e);
    throw new StartupError(`the local S3/DynamoDB/sign-in servers did not start (${message.split("\n")[0]}).`);
  }
  const started = backends;
  const cleanup = startCleanupTimer(() => started.deps, options.settings.cleanupIntervalSeconds * 1000);
  const url = `http://127.0.0.1:${port}/${options.stage ? `${options.stage}/` : ""}`;
  if (options.dataDir !== undefined) {
    // So that `npm run token` finds this server on its own, whatever the port.
    const access = await readAccess(options.dataDir);
    if (access !== undefined) await saveAccess(options.dataDir, { ...access, apiUrl: url });
  }
  return {
    port,
    pageUrl: url,
    apiUrl: url,
    backends: started,
    gateway,
    issuer,
    apiKey,
    close: async () => {
      await cleanup.stop();
      await gateway.close();
      await issuer?.close();
      await started.close();
      started.deps.s3.destroy();
      started.deps.db.destroy();
      await unlock();
    },
  };
}
