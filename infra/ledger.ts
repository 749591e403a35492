/** The ledger: one DynamoDB table, keys, TTL and index from the adapter's own definition. */
import { LEDGER_TABLE_DEFINITION } from "@fleet-upgrade/aws";

export function createLedger(args: { protect: boolean }) {
  const table = LEDGER_TABLE_DEFINITION;
  const fields = Object.fromEntries(table.attributes.map((a) => [a.name, "string" as const]));
  return new sst.aws.Dynamo("Ledger", {
    fields,
    primaryIndex: { hashKey: table.partitionKey, rangeKey: table.sortKey },
    globalIndexes: {
      [table.recentIndex.name]: {
        hashKey: table.recentIndex.partitionKey,
        rangeKey: table.recentIndex.sortKey,
        projection: "all",
      },
    },
    ttl: table.ttlAttribute,
    deletionProtection: args.protect,
    transform: {
      table: (t) => {
        t.pointInTimeRecovery = { enabled: true };
      },
    },
  });
}
