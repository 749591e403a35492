// biome-ignore-all lint/suspicious/noExplicitAny: every SDK client's middleware stack has its own input/output unions
import type { MiddlewareStack } from "@smithy/types";

interface StackClient {
  middlewareStack: MiddlewareStack<any, any>;
}

/** Counts every call the client makes, as `service:Operation`. */
export function countCommands<T extends StackClient>(
  client: T,
  service: string,
  calls: Record<string, number>,
): T {
  client.middlewareStack.add(
    (next: (args: any) => Promise<any>, context: Record<string, unknown>) => async (args: any) => {
      const key = `${service}:${String(context.commandName ?? "").replace(/Command$/, "")}`;
      calls[key] = (calls[key] ?? 0) + 1;
      return next(args);
    },
    { step: "initialize", priority: "high", name: "fleetUpgradeCallCounter", override: true },
  );
  return client;
}

/** Answers the client's commands in process (no HTTP), counting each call. */
export function answerCommands<T extends StackClient>(
  client: T,
  service: string,
  calls: Record<string, number>,
  answer: (operation: string, input: unknown) => unknown,
): T {
  client.middlewareStack.add(
    (_next: unknown, context: Record<string, unknown>) => async (args: { input: unknown }) => {
      const operation = String(context.commandName ?? "").replace(/Command$/, "");
      const key = `${service}:${operation}`;
      calls[key] = (calls[key] ?? 0) + 1;
      const output = answer(operation, args.input);
      return { output: { $metadata: {}, ...(output as object) }, response: { statusCode: 200, headers: {} } };
    },
    { step: "deserialize", priority: "high", name: "fleetUpgradeLocalAnswers", override: true },
  );
  return client;
}
