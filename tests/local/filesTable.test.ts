// The local DynamoDB's files table against the one declaration of the table's shape (config/table.ts), read back
// over HTTP with DescribeTable from a real dynalite, as the handlers' client sees it. The stack's table is checked
// against the same declaration under Pulumi mocks (tests/infra/storage.test.ts).
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import assert from "node:assert/strict";
import { FILES_TABLE, KeyAttribute, SWEEP_INDEX, TableIndex } from "../../config/table";
import { newLocalCredentials } from "../../local/access";
import { ensureFilesTable, LocalDynamo, startLocalDynamo } from "../../local/dynamo";

/** A described table in the declaration's terms; every part of the description that the declaration has no
 *  word for is kept as is, so that it shows up in the comparison instead of being dropped. */
function asDeclared(table: TableDescription) {
  const typeOf = (name: string | undefined): KeyAttribute => {
    const definition = (table.AttributeDefinitions ?? []).find((a) => a.AttributeName === name);
    assert.ok(definition, `attribute ${name} has a definition`);
    return { name: name as string, type: definition.AttributeType as KeyAttribute["type"] };
  };
  const keys = (schema: TableDescription["KeySchema"]) => ({
    hash: (schema ?? []).filter((k) => k.KeyType === "HASH").map((k) => k.AttributeName),
    range: (schema ?? []).filter((k) => k.KeyType === "RANGE").map((k) => k.AttributeName),
  });
  const tableKeys = keys(table.KeySchema);
  assert.deepEqual(tableKeys.range, [], "the table has a partition key only");
  assert.equal(table.LocalSecondaryIndexes, undefined, "no local secondary index");
  return {
    key: typeOf(tableKeys.hash[0]),
    billingMode: table.BillingModeSummary?.BillingMode,
    indexes: (table.GlobalSecondaryIndexes ?? []).map((i): TableIndex => {
      const k = keys(i.KeySchema);
      assert.equal(i.Projection?.NonKeyAttributes, undefined, `${i.IndexName} projects no named attributes`);
      return {
        name: i.IndexName as string,
        hashKey: typeOf(k.hash[0]),
        rangeKey: typeOf(k.range[0]),
        projection: i.Projection?.ProjectionType as TableIndex["projection"],
      };
    }),
    attributes: (table.AttributeDefinitions ?? []).map((a) => a.AttributeName).sort(),
  };
}

/** The declaration's key attributes, read from it here rather than from config/table.ts's keyAttributes. */
const declaredAttributes = () =>
  [...new Set([FILES_TABLE.key.name, ...FILES_TABLE.indexes.flatMap((i) => [i.hashKey.name, i.rangeKey.name])])].sort();

describe("the local files table (dynalite, DescribeTable over HTTP)", () => {
  const credentials = newLocalCredentials();
  let dynamo: LocalDynamo;
  let client: DynamoDBClient;
  before(async () => {
    dynamo = await startLocalDynamo({ credentials });
    client = new DynamoDBClient({ region: "us-east-1", endpoint: dynamo.endpoint, credentials, maxAttempts: 1 });
  });
  after(async () => {
    client.destroy();
    await dynamo.close();
  });

  it("has exactly the key, billing mode and indexes config/table.ts declares (TTL aside: dynalite has none)", async () => {
    await ensureFilesTable(client, "files-new");
    const { Table } = await client.send(new DescribeTableCommand({ TableName: "files-new" }));
    assert.ok(Table);
    // The TTL attribute is the one part not built locally: dynalite does not delete expired items, and the
    // handlers check expiry themselves (local/dynamo.ts).
    const { ttlAttribute, ...built } = FILES_TABLE;
    assert.equal(typeof ttlAttribute, "string");
    assert.deepEqual(asDeclared(Table), { ...built, attributes: declaredAttributes() });
  });

  describe("a table kept in a data folder from before an index existed", () => {
    const key = FILES_TABLE.key.name;
    const sweep = FILES_TABLE.indexes.find((i) => i.name === SWEEP_INDEX);
    assert.ok(sweep);
    /** An item as the handlers write it, with the sweep index's attributes. */
    const item = (n: number) => ({
      [key]: { S: `share-${n}` },
      [sweep.hashKey.name]: { S: "0" },
      [sweep.rangeKey.name]: { N: String(1000 + n) },
      payload: { S: "x".repeat(n % 7) },
    });
    const oldTable = async (name: string) => {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: [{ AttributeName: key, AttributeType: FILES_TABLE.key.type }],
          KeySchema: [{ AttributeName: key, KeyType: "HASH" }],
          BillingMode: FILES_TABLE.billingMode,
        }),
      );
      for (let n = 0; n < 60; n++) await client.send(new PutItemCommand({ TableName: name, Item: item(n) }));
    };
    const indexed = async (name: string) =>
      (
        await client.send(
          new QueryCommand({
            TableName: name,
            IndexName: SWEEP_INDEX,
            KeyConditionExpression: "#s = :s",
            ExpressionAttributeNames: { "#s": sweep.hashKey.name },
            ExpressionAttributeValues: { ":s": { S: "0" } },
          }),
        )
      ).Items ?? [];
    const tables = async () => (await client.send(new ListTablesCommand({}))).TableNames ?? [];

    it("gains every declared index and keeps every record (dynalite ignores UpdateTable's index Create)", async () => {
      await oldTable("files-old");
      await ensureFilesTable(client, "files-old");
      const { Table } = await client.send(new DescribeTableCommand({ TableName: "files-old" }));
      assert.ok(Table);
      assert.deepEqual(
        (Table.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName).sort(),
        FILES_TABLE.indexes.map((i) => i.name).sort(),
      );
      const found = await indexed("files-old");
      assert.equal(found.length, 60, "every record is back, and in the new index");
      const { Item } = await client.send(
        new GetItemCommand({ TableName: "files-old", Key: { [key]: { S: "share-13" } } }),
      );
      assert.deepEqual(Item, item(13), "a record comes back whole");
      assert.ok(!(await tables()).some((t) => t.startsWith("files-old.")), "no copy left aside");
    });

    it("a rebuild cut short after the old table was dropped resumes from the copy aside at the next start", async () => {
      await oldTable("files-cut.upgrading");
      await ensureFilesTable(client, "files-cut");
      assert.equal((await indexed("files-cut")).length, 60);
      assert.ok(!(await tables()).includes("files-cut.upgrading"));
    });

    it("a partial copy aside next to the old table is made again from the old table, not trusted", async () => {
      await oldTable("files-partial");
      await client.send(
        new CreateTableCommand({
          TableName: "files-partial.upgrading",
          AttributeDefinitions: [{ AttributeName: key, AttributeType: FILES_TABLE.key.type }],
          KeySchema: [{ AttributeName: key, KeyType: "HASH" }],
          BillingMode: FILES_TABLE.billingMode,
        }),
      );
      await client.send(new PutItemCommand({ TableName: "files-partial.upgrading", Item: item(1) }));
      await ensureFilesTable(client, "files-partial");
      assert.equal((await indexed("files-partial")).length, 60);
    });
  });
});
