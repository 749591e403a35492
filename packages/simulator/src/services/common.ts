import { ServiceFault, type ServiceName, validationFault } from "../errors";
import type { RefreshEngine } from "../refresh-engine";
import type { World } from "../world";

/** What a service handler gets: the account state and the refresh engine. */
export interface ServiceContext {
  world: World;
  engine: RefreshEngine;
}

/** A simulated operation: the SDK command input in, the output fields (without `$metadata`) out. */
export type OperationHandler = (ctx: ServiceContext, input: unknown) => object;

export type ServiceHandlers = Record<string, OperationHandler>;

const INVALID_TOKEN_CODE: Record<ServiceName, string> = {
  autoscaling: "InvalidNextToken",
  ec2: "InvalidPaginationToken",
  ssm: "InvalidNextToken",
  cloudwatch: "InvalidNextToken",
  elasticloadbalancing: "ValidationError",
  sns: "InvalidParameterException",
  iam: "ValidationError",
};

/** Rejects a number outside [min, max] the way the service does, naming the parameter. */
export function checkRange(
  service: ServiceName,
  parameter: string,
  value: number | undefined,
  min: number,
  max: number,
): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    const field = parameter.charAt(0).toLowerCase() + parameter.slice(1);
    const constraint =
      value > max
        ? `Member must have value less than or equal to ${max}`
        : `Member must have value greater than or equal to ${min}`;
    throw validationFault(
      service,
      `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint} (${parameter} must be ${min}-${max})`,
    );
  }
}

/** Pages `items` with an opaque NextToken. */
export function paginate<T>(
  service: ServiceName,
  items: readonly T[],
  pageSize: number,
  nextToken: string | undefined,
): { page: T[]; nextToken: string | undefined } {
  const offset = nextToken !== undefined && nextToken !== "" ? paginateOffset(service, nextToken) : 0;
  const page = items.slice(offset, offset + pageSize);
  const end = offset + page.length;
  return {
    page,
    nextToken: end < items.length ? `sim1.${Buffer.from(String(end)).toString("base64url")}` : undefined,
  };
}

export function isoMs(ms: number): string {
  return new Date(ms).toISOString();
}

/** `*` and `?` wildcards as EC2 filters accept them. */
export function wildcardMatch(pattern: string, value: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
  return regex.test(value);
}

export function tagList(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function requireString(service: ServiceName, parameter: string, value: unknown): string {
  if (typeof value !== "string" || value === "") {
    throw validationFault(
      service,
      `1 validation error detected: Value null at '${parameter}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

/**
 * Pages by scanning: `map` turns an item into a result or undefined (filtered out), and only the
 * items of this page are mapped, so paging through 10,000 instances stays linear.
 */
export function scanPage<T, R>(
  service: ServiceName,
  items: readonly T[],
  pageSize: number,
  nextToken: string | undefined,
  map: (item: T) => R | undefined,
): { page: R[]; nextToken: string | undefined } {
  let offset = 0;
  if (nextToken !== undefined && nextToken !== "") offset = paginateOffset(service, nextToken);
  const page: R[] = [];
  let i = offset;
  for (; i < items.length && page.length < pageSize; i++) {
    const result = map(items[i] as T);
    if (result !== undefined) page.push(result);
  }
  // Look ahead so the last page carries no token.
  let more = false;
  for (let j = i; j < items.length; j++) {
    if (map(items[j] as T) !== undefined) {
      more = true;
      i = j;
      break;
    }
  }
  return { page, nextToken: more ? `sim1.${Buffer.from(String(i)).toString("base64url")}` : undefined };
}

function paginateOffset(service: ServiceName, nextToken: string): number {
  const decoded = /^sim1\.([A-Za-z0-9_-]+)$/.exec(nextToken);
  const parsed =
    decoded?.[1] === undefined ? Number.NaN : Number(Buffer.from(decoded[1], "base64url").toString());
  if (!Number.isSafeInteger(parsed) || parsed < 0) {
    throw new ServiceFault(
      INVALID_TOKEN_CODE[service],
      `The NextToken ${JSON.stringify(nextToken)} is not valid.`,
    );
  }
  return parsed;
}
