// The local DynamoDB's files table against the one declaration of the table's shape (config/table.ts), read back
// over HTTP with DescribeTable from a real dynalite, as the handlers' client sees it. The stack's table is checked
// against the same declaration under Pulumi mocks (tests/infra/storage.test.ts).
import { DescribeTableCommand, DynamoDBClient, type TableDescription } from "@aws-sdk/client-dynamodb";
import assert from "node:assert/strict";
import { FILES_TABLE, KeyAttribute, TableIndex } from "../../config/table";
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
});
