// A local DynamoDB: dynalite, in-process. It has the conditional writes and ADD counters the handlers rely on;
// it lacks TTL deletion, which is why the handlers check expiry themselves as well.
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { closeServer, listenOnLoopback } from "./listen";
import { TABLE_KEY } from "../handlers/records";

export interface LocalDynamo {
  /** e.g. http://127.0.0.1:4567 */
  endpoint: string;
  close(): Promise<void>;
}

/** Starts dynalite on 127.0.0.1; `path` keeps the data on disk, otherwise it lives in memory. */
export async function startLocalDynamo(options: { path?: string; port?: number } = {}): Promise<LocalDynamo> {
  const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  return {
    endpoint: `http://127.0.0.1:${await listenOnLoopback(server, options.port)}`,
    close: () => closeServer(server),
  };
}

/** Creates the files table as the stack defines it (same key), unless it is there already. */
export async function ensureFilesTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (e) {
    if (!(e instanceof Error && e.name === "ResourceNotFoundException")) throw e;
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: TABLE_KEY, AttributeType: "S" }],
      KeySchema: [{ AttributeName: TABLE_KEY, KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
}
