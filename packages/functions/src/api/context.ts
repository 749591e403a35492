/** What every status API route is given: the deps, the run starter, Slack's settings, the clocks. */
import type { RunStarter } from "@fleet-upgrade/core";
import type { FunctionDeps } from "../runtime/deps";
import type { AnswerCache } from "./answer-cache";
import type { SlackSettings } from "./slack";

/** Refused by the run starter: a run already in progress where only one may run (serve). */
export class RunConflictError extends Error {
  override readonly name = "RunConflictError";
}

export interface StatusContext {
  deps: FunctionDeps;
  starter: RunStarter;
  /** The Slack settings, or how to load them (in AWS: SSM, once per cold start). */
  slack: SlackSettings | (() => Promise<SlackSettings>);
  /** The wall clock: Slack's replay window and the days to AL2's end of support. */
  now?: () => Date;
  /** Names new runs (the execution name in AWS): unique by default. */
  newRunId?: () => string;
  /** Keeps read answers briefly (see {@link AnswerCache}); none: every read goes to the ledger. */
  answers?: AnswerCache;
}

/** A route's answer before it is rendered: JSON, or the chat-ready text when the caller asked for it. */
export interface Answer {
  status: number;
  json: unknown;
  text: string;
}

export const wallClock = (context: StatusContext): Date => (context.now ?? (() => new Date()))();
