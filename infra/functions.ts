/**
 * One Lambda function per Task state, the refresh-events callback, the new-AMI check and the status
 * API: Node.js 22 on arm64, explicit memory and timeout, each with its own role from roles.ts
 * (exactly the policy iam.ts builds: no link, no SST-added permissions).
 */

import { FUNCTION_SPECS } from "./function-specs";
import { FUNCTION_KEYS, type FunctionKey } from "./iam";
import { resourceName } from "./roles";

export function createFunctions(args: {
  names: Record<FunctionKey, string>;
  roleArns: Record<FunctionKey, $util.Input<string>>;
  environment: (key: FunctionKey) => $util.Input<Record<string, $util.Input<string>>>;
  logRetention: "1 week" | "1 month" | "3 months" | "1 year";
}) {
  const functions = {} as Record<FunctionKey, sst.aws.Function>;
  for (const key of FUNCTION_KEYS) {
    const spec = FUNCTION_SPECS[key];
    functions[key] = new sst.aws.Function(resourceName(key), {
      name: args.names[key],
      description: `fleet-upgrade: ${spec.description}`,
      handler: spec.handler,
      runtime: "nodejs22.x",
      architecture: "arm64",
      memory: `${spec.memoryMb} MB`,
      timeout: `${spec.timeoutSeconds} seconds`,
      role: args.roleArns[key],
      environment: args.environment(key),
      logging: { retention: args.logRetention, format: "json" },
    });
  }
  return functions;
}
