import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
} from "@aws-sdk/lib-dynamodb";
import type { LedgerItem, LedgerStore } from "@fleet-upgrade/core";
import { LedgerReadError, LedgerWriteError } from "./errors";
import { chunk, isErrorNamed } from "./support";

/**
 * The ledger table's keys, TTL attribute and index, as data: infra builds the real table from it and
 * `ensureLedgerTable` the local one, so the names cannot drift apart.
 */
export const LEDGER_TABLE_DEFINITION = {
  partitionKey: "pk",
  sortKey: "sk",
  /** Epoch seconds; DynamoDB TTL must be enabled on it by infra (dynalite has no TTL). */
  ttlAttribute: "expiresAt",
  attributes: [
    { name: "pk", type: "S" },
    { name: "sk", type: "S" },
    { name: "gsi1pk", type: "S" },
    { name: "gsi1sk", type: "S" },
  ],
  recentIndex: { name: "byRecent", partitionKey: "gsi1pk", sortKey: "gsi1sk", projection: "ALL" },
} as const;

/** BatchGetItem takes at most 100 keys (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html). */
const BATCH_GET_SIZE = 100;
/** BatchWriteItem takes at most 25 requests. */
const BATCH_WRITE_SIZE = 25;
/** Attempts per batch before giving up on unprocessed items (the first write included). */
const BATCH_WRITE_ATTEMPTS = 8;
const BATCH_RETRY_BASE_MS = 25;
const BATCH_RETRY_MAX_MS = 1_000;

export interface DynamoLedgerStoreOptions {
  dynamodb: DynamoDBClient;
  tableName: string;
}

type WriteRequests = NonNullable<BatchWriteCommandInput["RequestItems"]>[string];

/**
 * The ledger as a small document store over one DynamoDB table. `data` is stored as JSON would carry it
 * (a Date becomes its ISO string, undefined members disappear), so what `get` returns is what a Step
 * Functions payload would have held. Reads of the table are strongly consistent (locks depend on it);
 * the recent-runs index is eventually consistent, as every DynamoDB GSI.
 */
export class DynamoLedgerStore implements LedgerStore {
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoLedgerStoreOptions) {
    this.documents = DynamoDBDocumentClient.from(options.dynamodb, {
      marshallOptions: { removeUndefinedValues: true },
    });
    this.tableName = options.tableName;
  }

  async put(item: LedgerItem, options?: { ifNotExists?: boolean; ifVersion?: number }): Promise<boolean> {
    const ifNotExists = options?.ifNotExists === true;
    const ifVersion = options?.ifVersion;
    const condition = ifNotExists
      ? { ConditionExpression: "attribute_not_exists(pk)" }
      : versionCondition(ifVersion, "attribute_not_exists(version)");
    try {
      await this.documents.send(
        new PutCommand({ TableName: this.tableName, Item: toAttributes(item), ...condition }),
      );
      return true;
    } catch (error) {
      if ("ConditionExpression" in condition && isErrorNamed(error, "ConditionalCheckFailedException"))
        return false;
      throw error;
    }
  }

  async putMany(items: LedgerItem[]): Promise<void> {
    // One batch may not hold the same key twice; the later item wins, as with sequential puts.
    const byKey = new Map<string, LedgerItem>();
    for (const item of items) {
      const key = `${item.pk}\u0000${item.sk}`;
      byKey.delete(key);
      byKey.set(key, item);
    }
    for (const batch of chunk([...byKey.values()], BATCH_WRITE_SIZE)) {
      await this.writeBatch(batch.map((item) => ({ PutRequest: { Item: toAttributes(item) } })));
    }
  }

  async get(
    pk: string,
    sk: string,
    options?: { fields?: readonly string[] },
  ): Promise<LedgerItem | undefined> {
    const out = await this.documents.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk, sk },
        ConsistentRead: true,
        ...(options?.fields && projection(options.fields)),
      }),
    );
    return out.Item === undefined ? undefined : fromAttributes(out.Item);
  }

  async getMany(keys: { pk: string; sk: string }[]): Promise<LedgerItem[]> {
    // One batch may not name a key twice (DynamoDB refuses it as a ValidationException).
    const unique = [...new Map(keys.map((k) => [`${k.pk}\u0000${k.sk}`, { pk: k.pk, sk: k.sk }])).values()];
    const items: LedgerItem[] = [];
    for (const batch of chunk(unique, BATCH_GET_SIZE)) {
      let pending: Record<string, unknown>[] = batch;
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > BATCH_WRITE_ATTEMPTS)
          throw new LedgerReadError(this.tableName, pending.length, attempt - 1);
        if (attempt > 1) await backOff(attempt - 1);
        // Strongly consistent, as `get`: a batch read sees what the task before it wrote.
        const out = await this.documents.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
          }),
        );
        items.push(...(out.Responses?.[this.tableName] ?? []).map(fromAttributes));
        pending = out.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return items;
  }

  async query(pk: string, skPrefix?: string): Promise<LedgerItem[]> {
    const withPrefix = skPrefix !== undefined && skPrefix !== "";
    const items: LedgerItem[] = [];
    const pages = paginateQuery(
      { client: this.documents },
      {
        TableName: this.tableName,
        KeyConditionExpression: withPrefix ? "pk = :pk AND begins_with(sk, :prefix)" : "pk = :pk",
        ExpressionAttributeValues: withPrefix ? { ":pk": pk, ":prefix": skPrefix } : { ":pk": pk },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) items.push(...(page.Items ?? []).map(fromAttributes));
    return items;
  }

  async queryRecent(gsi1pk: string, limit: number): Promise<LedgerItem[]> {
    if (limit <= 0) return [];
    const out = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: LEDGER_TABLE_DEFINITION.recentIndex.name,
        KeyConditionExpression: "gsi1pk = :pk",
        ExpressionAttributeValues: { ":pk": gsi1pk },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map(fromAttributes);
  }

  async delete(pk: string, sk: string, options?: { ifVersion?: number }): Promise<LedgerItem | undefined> {
    const ifVersion = options?.ifVersion;
    // Conditional: a lock is deleted only as it was read, so a run never deletes another run's lock.
    const condition = versionCondition(ifVersion, "attribute_exists(pk) AND attribute_not_exists(version)");
    try {
      const out = await this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk, sk },
          ReturnValues: "ALL_OLD",
          ...condition,
        }),
      );
      return out.Attributes === undefined ? undefined : fromAttributes(out.Attributes);
    } catch (error) {
      if ("ConditionExpression" in condition && isErrorNamed(error, "ConditionalCheckFailedException"))
        return undefined;
      throw error;
    }
  }

  private async writeBatch(requests: WriteRequests): Promise<void> {
    let pending = requests;
    for (let attempt = 1; ; attempt++) {
      const out = await this.documents.send(
        new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
      );
      const unprocessed = out.UnprocessedItems?.[this.tableName] ?? [];
      if (unprocessed.length === 0) return;
      if (attempt >= BATCH_WRITE_ATTEMPTS) {
        throw new LedgerWriteError(this.tableName, unprocessed.length, attempt);
      }
      await backOff(attempt);
      pending = unprocessed as WriteRequests;
    }
  }
}

/** Unprocessed items or keys mean throttling: back off exponentially, with jitter to spread concurrent callers. */
function backOff(attempt: number): Promise<void> {
  const ceiling = Math.min(BATCH_RETRY_MAX_MS, BATCH_RETRY_BASE_MS * 2 ** (attempt - 1));
  return sleep(ceiling / 2 + Math.random() * (ceiling / 2));
}

/**
 * The condition of a versioned write: none without a version; for version 0, `unversioned` (the item
 * as it was before versions); otherwise the stored version must be the one read.
 */
function versionCondition(
  ifVersion: number | undefined,
  unversioned: string,
): { ConditionExpression?: string; ExpressionAttributeValues?: Record<string, number> } {
  if (ifVersion === undefined) return {};
  if (ifVersion === 0) return { ConditionExpression: unversioned };
  return { ConditionExpression: "version = :version", ExpressionAttributeValues: { ":version": ifVersion } };
}

/**
 * Creates the ledger table when it does not exist (on-demand capacity, the `byRecent` index) and waits
 * until it is ACTIVE. For local runs and tests; in AWS the table is infra's, with TTL on `expiresAt`.
 */
export async function ensureLedgerTable(
  dynamodb: DynamoDBClient,
  tableName: string,
  options: { maxWaitSeconds?: number } = {},
): Promise<void> {
  try {
    const out = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    if (out.Table?.TableStatus === "ACTIVE") return;
  } catch (error) {
    if (!isErrorNamed(error, "ResourceNotFoundException")) throw error;
    try {
      await dynamodb.send(new CreateTableCommand(ledgerCreateTableInput(tableName)));
    } catch (createError) {
      // Another process created it in the meantime: waiting for ACTIVE is all that is left.
      if (!isErrorNamed(createError, "ResourceInUseException")) throw createError;
    }
  }
  await waitUntilTableExists(
    { client: dynamodb, maxWaitTime: options.maxWaitSeconds ?? 300, minDelay: 1, maxDelay: 5 },
    { TableName: tableName },
  );
}

/** The CreateTable request for the ledger table. */
export function ledgerCreateTableInput(tableName: string): CreateTableCommandInput {
  const table = LEDGER_TABLE_DEFINITION;
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: table.attributes.map((attribute) => ({
      AttributeName: attribute.name,
      AttributeType: attribute.type,
    })),
    KeySchema: [
      { AttributeName: table.partitionKey, KeyType: "HASH" },
      { AttributeName: table.sortKey, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: table.recentIndex.name,
        KeySchema: [
          { AttributeName: table.recentIndex.partitionKey, KeyType: "HASH" },
          { AttributeName: table.recentIndex.sortKey, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: table.recentIndex.projection },
      },
    ],
  };
}

/**
 * A projection of the item to its keys, version and some members of its `data` map (document paths,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ProjectionExpressions.html);
 * every name goes through a placeholder, so none can clash with a reserved word.
 */
function projection(fields: readonly string[]) {
  const names: Record<string, string> = { "#pk": "pk", "#sk": "sk", "#version": "version", "#data": "data" };
  const paths = fields.map((field, i) => {
    names[`#f${i}`] = field;
    return `#data.#f${i}`;
  });
  return {
    ProjectionExpression: ["#pk", "#sk", "#version", ...paths].join(", "),
    ExpressionAttributeNames: names,
  };
}

function toAttributes(item: LedgerItem): Record<string, unknown> {
  return {
    pk: item.pk,
    sk: item.sk,
    // JSON semantics for the payload; `null` stands in for undefined data, which JSON cannot carry.
    data: item.data === undefined ? null : JSON.parse(JSON.stringify(item.data)),
    expiresAt: item.expiresAt,
    gsi1pk: item.gsi1pk,
    gsi1sk: item.gsi1sk,
    version: item.version,
  };
}

function fromAttributes(attributes: Record<string, unknown>): LedgerItem {
  const item: LedgerItem = {
    pk: String(attributes.pk),
    sk: String(attributes.sk),
    data: attributes.data ?? null,
  };
  if (typeof attributes.expiresAt === "number") item.expiresAt = attributes.expiresAt;
  if (typeof attributes.gsi1pk === "string") item.gsi1pk = attributes.gsi1pk;
  if (typeof attributes.gsi1sk === "string") item.gsi1sk = attributes.gsi1sk;
  if (typeof attributes.version === "number") item.version = attributes.version;
  return item;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
