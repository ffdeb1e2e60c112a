// A local DynamoDB: dynalite, in-process. It has the conditional writes and ADD counters the handlers rely on;
// it lacks TTL deletion, which is why the handlers check expiry themselves as well.
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTableCommand } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { closeServer, listenOnLoopback } from "./listen";
import { SWEEP_AT_ATTRIBUTE, SWEEP_INDEX, SWEEP_SHARD_ATTRIBUTE, TABLE_KEY } from "../handlers/records";

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

const ATTRIBUTES = [
  { AttributeName: TABLE_KEY, AttributeType: "S" as const },
  { AttributeName: SWEEP_SHARD_ATTRIBUTE, AttributeType: "S" as const },
  { AttributeName: SWEEP_AT_ATTRIBUTE, AttributeType: "N" as const },
];

/** The sparse sweep index, as infra/storage.ts defines it. */
const SWEEP_INDEX_SPEC = {
  IndexName: SWEEP_INDEX,
  KeySchema: [
    { AttributeName: SWEEP_SHARD_ATTRIBUTE, KeyType: "HASH" as const },
    { AttributeName: SWEEP_AT_ATTRIBUTE, KeyType: "RANGE" as const },
  ],
  Projection: { ProjectionType: "KEYS_ONLY" as const },
};

/** Creates the files table as the stack defines it (same key, same sweep index), unless it is there already; a
 *  table kept in a data folder from before the index existed gets the index added. */
export async function ensureFilesTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (!(Table?.GlobalSecondaryIndexes ?? []).some((i) => i.IndexName === SWEEP_INDEX)) {
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: ATTRIBUTES,
          GlobalSecondaryIndexUpdates: [{ Create: SWEEP_INDEX_SPEC }],
        }),
      );
    }
    return;
  } catch (e) {
    if (!(e instanceof Error && e.name === "ResourceNotFoundException")) throw e;
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: ATTRIBUTES,
      KeySchema: [{ AttributeName: TABLE_KEY, KeyType: "HASH" }],
      GlobalSecondaryIndexes: [SWEEP_INDEX_SPEC],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
}
