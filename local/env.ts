// `npm run -s local-env [-- --data-dir DIR]`: the running `npm start`'s local S3 and DynamoDB as shell export
// lines, so that its user can point real tools at them:
//
//   eval "$(npm run -s local-env)"
//   aws --endpoint-url "$AWS_ENDPOINT_URL_S3" s3 ls "s3://$FILESHARE_BUCKET_NAME/"
//
// The credentials are the data folder's own (local/access.ts), readable by its owner only; a --memory run keeps
// its credentials to itself.
import { readAccess, LOCAL_REGION } from "./access";
import { parseCommandLine } from "./commandLine";
import { StartupError } from "./errors";
import { runningHolder } from "./lock";
import { LOCAL_BUCKET, LOCAL_TABLE } from "./settings";

/** A value as one shell word: single-quoted, any single quote closed, escaped and reopened. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The export lines for the `npm start` running on the data folder the command line names. */
export async function localEnvLines(argv: readonly string[], env: Record<string, string | undefined>): Promise<string> {
  const { dataDir } = parseCommandLine(argv, env);
  if (dataDir === undefined) {
    throw new StartupError(
      "a --memory run keeps its credentials to itself: start npm with a data folder (the default, or --data-dir DIR) to use local-env.",
    );
  }
  const holder = await runningHolder(dataDir);
  const access = holder === undefined ? undefined : await readAccess(dataDir);
  if (holder === undefined || access === undefined || access.s3Port === 0 || access.dynamoPort === 0) {
    throw new StartupError(
      `no fileshare is running on the data folder ${dataDir}: start it with npm start (same --data-dir), then run this again.`,
    );
  }
  const values: Record<string, string> = {
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${access.s3Port}`,
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${access.dynamoPort}`,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: access.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: access.credentials.secretAccessKey,
    FILESHARE_BUCKET_NAME: LOCAL_BUCKET,
    FILESHARE_TABLE_NAME: LOCAL_TABLE,
  };
  return Object.entries(values)
    .map(([name, value]) => `export ${name}=${shellQuote(value)}\n`)
    .join("");
}

if (require.main === module) {
  localEnvLines(process.argv.slice(2), process.env).then(
    (lines) => process.stdout.write(lines),
    (e: unknown) => {
      const message = e instanceof StartupError ? e.message : `unexpected error: ${(e as Error)?.message ?? String(e)}`;
      process.stderr.write(`fileshare local-env: ${message}\n`);
      process.exit(1);
    },
  );
}
