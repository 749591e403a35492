// biome-ignore-all lint/suspicious/noExplicitAny: every SDK client's middleware stack has its own input/output unions
import { AsyncLocalStorage } from "node:async_hooks";
import type { MiddlewareStack } from "@smithy/types";

/**
 * What one simulated run asked of Lambda, Step Functions and DynamoDB at its largest (issue 11):
 * the most AWS calls one function invocation made, the largest JSON passed between states and the
 * largest ledger item written. Deterministic figures: counts and bytes, never time.
 */
export interface RunFootprint {
  /** AWS calls (every SDK call: the account's services, the ledger, Step Functions) of one invocation. */
  maxCallsPerInvocation: number;
  /** The function whose invocation made them. */
  maxCallsFunction: string | null;
  /** The same, per function: its largest invocation. */
  maxCallsByFunction: Record<string, number>;
  invocations: number;
  /** Bytes of the largest state input (the JSON one state passes to the next), UTF-8. */
  maxStatePayloadBytes: number;
  maxStatePayloadState: string | null;
  /** Bytes of the largest item written to the ledger, as DynamoDB sizes an item. */
  maxLedgerItemBytes: number;
  maxLedgerItemKey: string | null;
}

interface StackClient {
  middlewareStack: MiddlewareStack<any, any>;
}

/** Follows each function invocation through its SDK calls, and each state input and ledger write. */
export class FootprintMeter {
  private readonly invocation = new AsyncLocalStorage<{ calls: number }>();
  private figures: RunFootprint = emptyFootprint();

  /** Starts a fresh count (one per run). */
  reset(): void {
    this.figures = emptyFootprint();
  }

  get footprint(): RunFootprint {
    return { ...this.figures, maxCallsByFunction: { ...this.figures.maxCallsByFunction } };
  }

  /** Runs one invocation of `name`, counting the SDK calls it makes wherever they go. */
  async invoke<T>(name: string, call: () => Promise<T>): Promise<T> {
    const own = { calls: 0 };
    try {
      return await this.invocation.run(own, call);
    } finally {
      this.figures.invocations++;
      const byFunction = this.figures.maxCallsByFunction;
      byFunction[name] = Math.max(byFunction[name] ?? 0, own.calls);
      if (own.calls > this.figures.maxCallsPerInvocation) {
        this.figures.maxCallsPerInvocation = own.calls;
        this.figures.maxCallsFunction = name;
      }
    }
  }

  /** A state was entered with `input`. */
  stateEntered(state: string, input: unknown): void {
    const bytes = Buffer.byteLength(JSON.stringify(input ?? null));
    if (bytes > this.figures.maxStatePayloadBytes) {
      this.figures.maxStatePayloadBytes = bytes;
      this.figures.maxStatePayloadState = state;
    }
  }

  /** Counts each call of the client towards the invocation that makes it. */
  countCalls<T extends StackClient>(client: T): T {
    client.middlewareStack.add(
      (next: (args: any) => Promise<any>) => async (args: any) => {
        const own = this.invocation.getStore();
        if (own) own.calls++;
        return next(args);
      },
      { step: "initialize", priority: "high", name: "fleetUpgradeInvocationCalls", override: true },
    );
    return client;
  }

  /** Sizes every item a DynamoDB client puts (PutItem, BatchWriteItem), from the wire request. */
  measureItems<T extends StackClient>(client: T): T {
    client.middlewareStack.add(
      (next: (args: any) => Promise<any>) => async (args: any) => {
        const raw: unknown = args.request?.body;
        // The JSON protocol's body: a string, or bytes that also act as one. Read as bytes (the SDK
        // warns when its byte body is used as a string; Buffer.from(bytes) would call its valueOf).
        const body =
          raw instanceof Uint8Array
            ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("utf8")
            : typeof raw === "string"
              ? raw
              : null;
        if (body?.startsWith("{")) for (const item of writtenItems(JSON.parse(body))) this.itemWritten(item);
        return next(args);
      },
      { step: "build", priority: "low", name: "fleetUpgradeLedgerItemSize", override: true },
    );
    return client;
  }

  private itemWritten(item: Record<string, AttributeValue>): void {
    const bytes = dynamoItemBytes(item);
    if (bytes > this.figures.maxLedgerItemBytes) {
      this.figures.maxLedgerItemBytes = bytes;
      this.figures.maxLedgerItemKey = `${item.pk?.S ?? "?"}/${item.sk?.S ?? "?"}`;
    }
  }
}

function emptyFootprint(): RunFootprint {
  return {
    maxCallsPerInvocation: 0,
    maxCallsFunction: null,
    maxCallsByFunction: {},
    invocations: 0,
    maxStatePayloadBytes: 0,
    maxStatePayloadState: null,
    maxLedgerItemBytes: 0,
    maxLedgerItemKey: null,
  };
}

type AttributeValue = Record<string, any>;

/** The items of a PutItem or BatchWriteItem request body (DynamoDB JSON). */
function writtenItems(body: any): Record<string, AttributeValue>[] {
  if (body?.Item) return [body.Item];
  if (!body?.RequestItems) return [];
  // BatchGetItem's RequestItems holds keys per table (an object), BatchWriteItem's a list of writes.
  return Object.values(body.RequestItems as Record<string, unknown>).flatMap((requests) =>
    Array.isArray(requests) ? requests.flatMap((r) => (r?.PutRequest?.Item ? [r.PutRequest.Item] : [])) : [],
  );
}

/**
 * An item's size as DynamoDB counts it against its 400 KB limit: attribute names plus values;
 * strings and binaries by their UTF-8 length, numbers about one byte per two digits plus one, maps
 * and lists 3 bytes plus one per element. From "Item sizes and formats":
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 */
export function dynamoItemBytes(item: Record<string, AttributeValue>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += Buffer.byteLength(name) + valueBytes(value);
  return bytes;
}

function valueBytes(value: AttributeValue): number {
  if ("S" in value) return Buffer.byteLength(String(value.S));
  if ("N" in value) return Math.ceil(String(value.N).replace(/[-.]/g, "").length / 2) + 1;
  if ("B" in value) return Buffer.byteLength(String(value.B), "base64");
  if ("BOOL" in value || "NULL" in value) return 1;
  if ("M" in value) return 3 + dynamoItemBytes(value.M) + Object.keys(value.M).length;
  if ("L" in value) return 3 + (value.L as AttributeValue[]).reduce((sum, v) => sum + 1 + valueBytes(v), 0);
  if ("SS" in value) return (value.SS as string[]).reduce((sum, s) => sum + Buffer.byteLength(s), 0);
  if ("NS" in value) return (value.NS as string[]).reduce((sum, n) => sum + Math.ceil(n.length / 2) + 1, 0);
  return 0;
}
