import "aws-sdk-client-mock-vitest/extend";
import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from "@aws-sdk/lib-dynamodb";
import type { LedgerItem } from "@fleet-upgrade/core";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DynamoLedgerStore } from "../../src/dynamo-ledger-store";
import { LedgerReadError, LedgerWriteError } from "../../src/errors";

const documents = mockClient(DynamoDBDocumentClient);
const store = new DynamoLedgerStore({
  dynamodb: new DynamoDBClient({ region: "us-east-1" }),
  tableName: "ledger",
});

const lock: LedgerItem = { pk: "LOCK#web", sk: "LOCK", data: { runId: "run-1" }, expiresAt: 1_790_000_000 };

function conditionFailed(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ $metadata: {}, message: "The conditional request failed" });
}

function items(count: number): LedgerItem[] {
  return Array.from({ length: count }, (_, i) => ({
    pk: "RUN#1",
    sk: `GROUP#${String(i).padStart(3, "0")}`,
    data: { i },
  }));
}

afterEach(() => {
  documents.reset();
  vi.useRealTimers();
});

describe("DynamoLedgerStore.put", () => {
  it("writes pk, sk, data and TTL, without a condition by default", async () => {
    documents.on(PutCommand).resolves({});

    expect(await store.put(lock)).toBe(true);
    expect(documents.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: "ledger",
      Item: { pk: "LOCK#web", sk: "LOCK", data: { runId: "run-1" }, expiresAt: 1_790_000_000 },
    });
  });

  it("adds attribute_not_exists(pk) with ifNotExists and returns false when the item exists", async () => {
    documents.on(PutCommand).rejects(conditionFailed());

    expect(await store.put(lock, { ifNotExists: true })).toBe(false);
    expect(documents).toHaveReceivedCommandWith(PutCommand, {
      TableName: "ledger",
      ConditionExpression: "attribute_not_exists(pk)",
    });
  });

  it("propagates a failed condition it did not ask for", async () => {
    documents.on(PutCommand).rejects(conditionFailed());

    await expect(store.put(lock)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });
});

describe("DynamoLedgerStore.putMany", () => {
  it("writes 25 items per BatchWriteItem call", async () => {
    documents.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });

    await store.putMany(items(60));

    const calls = documents.commandCalls(BatchWriteCommand);
    expect(calls.map((call) => call.args[0].input.RequestItems?.ledger?.length)).toEqual([25, 25, 10]);
    expect(calls[0]?.args[0].input.RequestItems?.ledger?.[0]).toEqual({
      PutRequest: { Item: { pk: "RUN#1", sk: "GROUP#000", data: { i: 0 } } },
    });
  });

  it("retries unprocessed items until DynamoDB has taken them all", async () => {
    const batch = items(3);
    const unprocessed = [{ PutRequest: { Item: { pk: "RUN#1", sk: "GROUP#002", data: { i: 2 } } } }];
    documents
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { ledger: unprocessed } })
      .resolvesOnce({ UnprocessedItems: {} });

    await store.putMany(batch);

    expect(documents).toHaveReceivedCommandTimes(BatchWriteCommand, 2);
    expect(documents.commandCalls(BatchWriteCommand)[1]?.args[0].input).toEqual({
      RequestItems: { ledger: unprocessed },
    });
  });

  it("gives up with LedgerWriteError after 8 attempts that leave items unprocessed", async () => {
    vi.useFakeTimers();
    documents.on(BatchWriteCommand).resolves({
      UnprocessedItems: { ledger: [{ PutRequest: { Item: { pk: "RUN#1", sk: "GROUP#000", data: {} } } }] },
    });

    const outcome = store.putMany(items(1)).catch((error: unknown) => error);
    await vi.runAllTimersAsync();

    const error = await outcome;
    expect(error).toBeInstanceOf(LedgerWriteError);
    expect(error).toMatchObject({ name: "LedgerWriteError", unprocessedCount: 1 });
    expect(documents).toHaveReceivedCommandTimes(BatchWriteCommand, 8);
  });

  it("keeps only the last of two items with the same key, which one batch may not hold twice", async () => {
    documents.on(BatchWriteCommand).resolves({});

    await store.putMany([
      { pk: "A", sk: "1", data: "old" },
      { pk: "A", sk: "2", data: "other" },
      { pk: "A", sk: "1", data: "new" },
    ]);

    expect(documents.commandCalls(BatchWriteCommand)[0]?.args[0].input.RequestItems?.ledger).toEqual([
      { PutRequest: { Item: { pk: "A", sk: "2", data: "other" } } },
      { PutRequest: { Item: { pk: "A", sk: "1", data: "new" } } },
    ]);
  });

  it("makes no call for no item", async () => {
    await store.putMany([]);

    expect(documents).not.toHaveReceivedAnyCommand();
  });
});

describe("DynamoLedgerStore reads", () => {
  it("gets an item with a consistent read", async () => {
    documents.on(GetCommand).resolves({ Item: { pk: "RUN#1", sk: "META", data: { status: "Running" } } });

    expect(await store.get("RUN#1", "META")).toEqual({
      pk: "RUN#1",
      sk: "META",
      data: { status: "Running" },
    });
    expect(documents).toHaveReceivedCommandExactlyOnceWith(GetCommand, {
      TableName: "ledger",
      Key: { pk: "RUN#1", sk: "META" },
      ConsistentRead: true,
    });
  });

  it("queries every page under pk with begins_with on sk when a prefix is given", async () => {
    documents
      .on(QueryCommand)
      .resolves({
        Items: [{ pk: "RUN#1", sk: "GROUP#a", data: 1 }],
        LastEvaluatedKey: { pk: "RUN#1", sk: "GROUP#a" },
      })
      .on(QueryCommand, { ExclusiveStartKey: { pk: "RUN#1", sk: "GROUP#a" } })
      .resolves({ Items: [{ pk: "RUN#1", sk: "GROUP#b", data: 2 }] });

    const found = await store.query("RUN#1", "GROUP#");

    expect(found.map((item) => item.sk)).toEqual(["GROUP#a", "GROUP#b"]);
    const query = {
      TableName: "ledger",
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": "RUN#1", ":prefix": "GROUP#" },
      ConsistentRead: true,
    };
    expect(documents).toHaveReceivedCommandTimes(QueryCommand, 2);
    expect(documents).toHaveReceivedNthCommandWith(QueryCommand, 1, query);
    expect(documents).toHaveReceivedNthCommandWith(QueryCommand, 2, {
      ...query,
      ExclusiveStartKey: { pk: "RUN#1", sk: "GROUP#a" },
    });
  });

  it("queries the byRecent index newest first with the limit", async () => {
    documents.on(QueryCommand).resolves({ Items: [] });

    await store.queryRecent("RUNS", 20);

    expect(documents.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: "ledger",
      IndexName: "byRecent",
      KeyConditionExpression: "gsi1pk = :pk",
      ExpressionAttributeValues: { ":pk": "RUNS" },
      ScanIndexForward: false,
      Limit: 20,
    });
  });

  it("deletes with ReturnValues ALL_OLD and returns the old item", async () => {
    documents
      .on(DeleteCommand)
      .resolves({ Attributes: { pk: "LOCK#web", sk: "LOCK", data: { runId: "run-1" } } });

    expect(await store.delete("LOCK#web", "LOCK")).toEqual({
      pk: "LOCK#web",
      sk: "LOCK",
      data: { runId: "run-1" },
    });
    expect(documents).toHaveReceivedCommandExactlyOnceWith(DeleteCommand, {
      TableName: "ledger",
      Key: { pk: "LOCK#web", sk: "LOCK" },
      ReturnValues: "ALL_OLD",
    });
  });

  it("deletes only the version read when asked, and answers undefined (deleting nothing) otherwise", async () => {
    documents.on(DeleteCommand).rejects(conditionFailed());

    expect(await store.delete("LOCK#web", "LOCK", { ifVersion: 3 })).toBeUndefined();
    expect(documents).toHaveReceivedCommandExactlyOnceWith(DeleteCommand, {
      TableName: "ledger",
      Key: { pk: "LOCK#web", sk: "LOCK" },
      ReturnValues: "ALL_OLD",
      ConditionExpression: "version = :version",
      ExpressionAttributeValues: { ":version": 3 },
    });
  });
});

describe("DynamoLedgerStore.getMany", () => {
  const keys = (count: number) => items(count).map(({ pk, sk }) => ({ pk, sk }));

  it("asks for at most 100 keys per BatchGetItem call, with consistent reads, and returns every item found", async () => {
    documents
      .on(BatchGetCommand)
      .callsFake((input: { RequestItems: Record<string, { Keys: object[] }> }) => ({
        Responses: {
          ledger: (input.RequestItems.ledger?.Keys ?? []).map((key) => ({ ...key, data: { found: true } })),
        },
      }));

    const found = await store.getMany(keys(250));

    const calls = documents.commandCalls(BatchGetCommand).map((c) => c.args[0].input.RequestItems?.ledger);
    expect(calls.map((c) => c?.Keys?.length)).toEqual([100, 100, 50]);
    expect(calls.every((c) => c?.ConsistentRead === true)).toBe(true);
    expect(found).toHaveLength(250);
    expect(found[0]).toEqual({ pk: "RUN#1", sk: "GROUP#000", data: { found: true } });
  });

  it("asks again for the keys DynamoDB left unprocessed until it has them all", async () => {
    const [a, b, c] = [
      { pk: "RUN#1", sk: "A" },
      { pk: "RUN#1", sk: "B" },
      { pk: "RUN#1", sk: "C" },
    ];
    documents
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { ledger: [{ ...a, data: 1 }] },
        UnprocessedKeys: { ledger: { Keys: [b, c], ConsistentRead: true } },
      })
      .resolvesOnce({
        Responses: { ledger: [{ ...c, data: 3 }] },
        UnprocessedKeys: { ledger: { Keys: [b] } },
      })
      .resolvesOnce({ Responses: { ledger: [{ ...b, data: 2 }] }, UnprocessedKeys: {} });

    const found = await store.getMany([a, b, c]);

    expect(documents).toHaveReceivedCommandTimes(BatchGetCommand, 3);
    expect(documents.commandCalls(BatchGetCommand)[2]?.args[0].input).toEqual({
      RequestItems: { ledger: { Keys: [b], ConsistentRead: true } },
    });
    expect(found.map((item) => item.data).sort()).toEqual([1, 2, 3]);
  });

  it("gives up with LedgerReadError after 8 attempts that leave keys unprocessed", async () => {
    vi.useFakeTimers();
    documents.on(BatchGetCommand).resolves({ UnprocessedKeys: { ledger: { Keys: keys(1) } } });

    const outcome = store.getMany(keys(1)).catch((error: unknown) => error);
    await vi.runAllTimersAsync();

    const error = await outcome;
    expect(error).toBeInstanceOf(LedgerReadError);
    expect(error).toMatchObject({ name: "LedgerReadError", unprocessedCount: 1 });
    expect(documents).toHaveReceivedCommandTimes(BatchGetCommand, 8);
  });

  it("asks for a key given twice once, which one batch may not hold twice, and makes no call for none", async () => {
    documents.on(BatchGetCommand).resolves({ Responses: { ledger: [] } });

    expect(await store.getMany([])).toEqual([]);
    expect(documents).not.toHaveReceivedAnyCommand();
    expect(
      await store.getMany([
        { pk: "A", sk: "1" },
        { pk: "A", sk: "2" },
        { pk: "A", sk: "1" },
      ]),
    ).toEqual([]);
    expect(documents.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems?.ledger?.Keys).toEqual([
      { pk: "A", sk: "1" },
      { pk: "A", sk: "2" },
    ]);
  });
});
