// A local DynamoDB: dynalite, in-process. It has the conditional writes and ADD counters the handlers rely on;
// it lacks TTL deletion, which is why the handlers check expiry themselves as well.
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTableCommand } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { closeServer, listenOnLoopback } from "./listen";
import { OWNER_INDEX, SWEEP_AT_ATTRIBUTE, SWEEP_INDEX, SWEEP_SHARD_ATTRIBUTE, TABLE_KEY } from "../handlers/records";

/** The owner index as the stack defines it (infra/storage.ts): owner, newest first by createdAt, all attributes. */
const OWNER_INDEX_SPEC = {
  IndexName: OWNER_INDEX,
  KeySchema: [
    { AttributeName: "owner", KeyType: "HASH" as const },
    { AttributeName: "createdAt", KeyType: "RANGE" as const },
  ],
  Projection: { ProjectionType: "ALL" as const },
};

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
  { AttributeName: "owner", AttributeType: "S" as const },
  { AttributeName: "createdAt", AttributeType: "S" as const },
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

const INDEXES = [OWNER_INDEX_SPEC, SWEEP_INDEX_SPEC];

/** Creates the files table as the stack defines it (same key, same indexes), unless it is there already; a
 *  table kept in a data folder from before an index existed gets that index added (one per update, as on AWS). */
export async function ensureFilesTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    for (const index of INDEXES) {
      if ((Table?.GlobalSecondaryIndexes ?? []).some((i) => i.IndexName === index.IndexName)) continue;
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: ATTRIBUTES,
          GlobalSecondaryIndexUpdates: [{ Create: index }],
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
      GlobalSecondaryIndexes: INDEXES,
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
}
