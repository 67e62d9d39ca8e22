/** Creates a synthesized stack's DynamoDB tables in DynamoDB Local, from the template's own definitions. */
import { CreateTableCommand, CreateTableCommandInput, DeleteTableCommand, DynamoDBClient, ResourceNotFoundException, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import type { SynthesizedTable } from '../../cloud-assembly/functions';

/** The CreateTable input for a template's `AWS::DynamoDB::Table` properties (billing is always on demand locally). */
export function createTableInput(table: SynthesizedTable, tableName: string): CreateTableCommandInput {
  const p = table.properties;
  if (!Array.isArray(p.KeySchema) || !Array.isArray(p.AttributeDefinitions)) {
    throw new Error(`table ${table.logicalId}: KeySchema and AttributeDefinitions must be literal in the template`);
  }
  const index = (i: any) => ({ IndexName: i.IndexName, KeySchema: i.KeySchema, Projection: i.Projection ?? { ProjectionType: 'ALL' } });
  return {
    TableName: tableName,
    KeySchema: p.KeySchema,
    AttributeDefinitions: p.AttributeDefinitions,
    BillingMode: 'PAY_PER_REQUEST',
    GlobalSecondaryIndexes: p.GlobalSecondaryIndexes?.map(index),
    LocalSecondaryIndexes: p.LocalSecondaryIndexes?.map(index),
  };
}

/**
 * Creates every table; returns logical id → local table name. Names are the template's `TableName` when
 * it is a literal, else `<prefix><logicalId>`. With `replace`, a table of that name is deleted first.
 */
export async function createLocalTables(client: DynamoDBClient, tables: readonly SynthesizedTable[], prefix = '', options: { replace?: boolean } = {}): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  for (const table of tables) {
    const literal = table.properties.TableName;
    const name = `${prefix}${typeof literal === 'string' ? literal : table.logicalId}`;
    if (options.replace) {
      // A DynamoDB Local that outlives the run (replay --dynamodb-endpoint) still has the last run's tables.
      try {
        await client.send(new DeleteTableCommand({ TableName: name }));
      } catch (err) {
        if (!(err instanceof ResourceNotFoundException)) throw err;
      }
    }
    await client.send(new CreateTableCommand(createTableInput(table, name)));
    const ttl = table.properties.TimeToLiveSpecification;
    if (ttl?.Enabled && typeof ttl.AttributeName === 'string') {
      const spec = { Enabled: true, AttributeName: ttl.AttributeName };
      await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: spec }));
    }
    names[table.logicalId] = name;
  }
  return names;
}
