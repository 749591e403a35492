/** Slack's slash command: its signature, its commands, and the answers the chat shows. */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { RunResult } from "@fleet-upgrade/core";
import { writeThrough } from "./answer-cache";
import type { Answer, StatusContext } from "./context";
import { wallClock } from "./context";
import { ApiError, quote } from "./http";
import { abort, approve, readFleet, readRun, readRuns } from "./runs";
import {
  type FleetView,
  fleetSections,
  type RunListItem,
  runListSections,
  runSections,
  type SlackSection,
  slackMention,
  slackMessage,
} from "./views";

/** What the Slack route needs; in AWS from SSM Parameter Store, locally from the environment. */
export interface SlackSettings {
  /** null: not configured; the Slack route refuses every request with `unconfigured` as the message. */
  signingSecret: string | null;
  /** Slack user ids allowed to approve and abort (status is for everyone). */
  allowedUsers: string[];
  /** Tells the caller how to configure the route when there is no signing secret. */
  unconfigured: string;
}

/** Slack's replay window: a request signed more than this long ago (or ahead) is refused. */
export const SLACK_MAX_AGE_SECONDS = 300;

export type SignatureVerdict =
  | { ok: true }
  | { ok: false; reason: "missing" | "malformed-timestamp" | "stale" | "mismatch" };

/** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret, as Slack signs. */
export function slackSignature(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

/**
 * Verifies Slack's request signature (`X-Slack-Signature` over `X-Slack-Request-Timestamp` and the raw
 * body), in constant time, within the 5-minute replay window either way of `now`.
 */
export function verifySlackSignature(input: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  body: string;
  now: Date;
}): SignatureVerdict {
  const { timestamp, signature } = input;
  if (!timestamp || !signature) return { ok: false, reason: "missing" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "malformed-timestamp" };
  const age = Math.abs(input.now.getTime() / 1000 - Number(timestamp));
  if (age > SLACK_MAX_AGE_SECONDS) return { ok: false, reason: "stale" };
  const expected = Buffer.from(slackSignature(input.secret, timestamp, input.body), "utf8");
  const given = Buffer.from(signature, "utf8");
  // timingSafeEqual needs equal lengths; a length mismatch is no secret (every valid signature has it).
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "mismatch" };
  }
  return { ok: true };
}

export const SIGNATURE_MESSAGES: Record<Exclude<SignatureVerdict, { ok: true }>["reason"], string> = {
  missing: "the request is not signed by Slack: X-Slack-Signature and X-Slack-Request-Timestamp are required",
  "malformed-timestamp": "X-Slack-Request-Timestamp must be a Unix time in seconds",
  stale: `the request's timestamp is more than ${SLACK_MAX_AGE_SECONDS / 60} minutes from now; Slack requests are accepted within 5 minutes of signing`,
  mismatch: "the Slack signature does not match the request; check the app's signing secret",
};

/**
 * A Slack slash command: `/fleet` (the inventory), `/fleet status [RUN]`, `/fleet approve RUN`,
 * `/fleet abort RUN [reason]`.
 */
export type SlackCommand =
  | { action: "fleet" }
  | { action: "status"; runId: string | null }
  | { action: "approve"; runId: string }
  | { action: "abort"; runId: string; reason: string | null }
  | { action: "help"; problem: string | null };

export const SLACK_USAGE =
  "usage: /fleet (the inventory) | /fleet status [RUN] | /fleet approve RUN | /fleet abort RUN [reason]";

export function parseSlackCommand(text: string): SlackCommand {
  const [verb = "", runId, ...rest] = text.trim().split(/\s+/);
  switch (verb.toLowerCase()) {
    case "status":
      return { action: "status", runId: runId ?? null };
    case "approve":
      if (!runId) return { action: "help", problem: "approve needs the run id" };
      return { action: "approve", runId };
    case "abort":
      if (!runId) return { action: "help", problem: "abort needs the run id" };
      return { action: "abort", runId, reason: rest.length > 0 ? rest.join(" ") : null };
    case "":
      return { action: "fleet" };
    case "help":
      return { action: "help", problem: null };
    default:
      return { action: "help", problem: `unknown subcommand ${JSON.stringify(verb.slice(0, 40))}` };
  }
}

/** Local settings: `SLACK_SIGNING_SECRET` and `SLACK_ALLOWED_USERS` (comma-separated user ids). */
export function slackSettingsFromEnv(env: NodeJS.ProcessEnv): SlackSettings {
  const secret = env.SLACK_SIGNING_SECRET?.trim();
  return {
    signingSecret: secret ? secret : null,
    allowedUsers: (env.SLACK_ALLOWED_USERS ?? "")
      .split(",")
      .map((id) => id.trim())
      .filter((id) => id !== ""),
    unconfigured:
      "the Slack route is not configured: set SLACK_SIGNING_SECRET (the Slack app's signing secret) " +
      "and SLACK_ALLOWED_USERS (user ids allowed to approve and abort, comma-separated), then restart",
  };
}

/**
 * Real time a Slack abort spends waking groups: Slack shows a timeout unless the command is answered
 * within 3 seconds (api.slack.com/interactivity/slash-commands#responding_basic_receipt). Groups not
 * woken by then read the abort at their next status poll, as after the REST abort's longer budget.
 */
export const SLACK_WAKE_BUDGET_MS = 1_500;

/** A Slack message as the route's answer: always JSON with HTTP 200, as Slack apps answer. */
const reply = (
  text: string,
  type: "ephemeral" | "in_channel" = "ephemeral",
  sections: SlackSection[] = [],
): Answer => ({ status: 200, json: slackMessage(text, type, sections), text });

/**
 * Answers `work` in the chat. A user's mistake (unknown run, nothing to approve, an ended run) is an
 * ephemeral answer with HTTP 200: Slack shows any other status as a generic failure.
 */
async function say(
  work: () => Promise<Answer>,
  type: "ephemeral" | "in_channel",
  sections: (json: unknown) => SlackSection[] = () => [],
): Promise<Answer> {
  try {
    const answer = await work();
    return reply(answer.text, type, sections(answer.json));
  } catch (error) {
    if (error instanceof ApiError && error.statusCode < 500) return reply(error.message);
    throw error;
  }
}

/**
 * POST /chat/slack: checks Slack's signature over the raw form body, then answers the command.
 * Reads share the REST reads' short-lived cache, well within Slack's 3 seconds.
 */
export async function answerSlack(
  request: { headers: Record<string, string | undefined>; body: string },
  context: StatusContext,
): Promise<Answer> {
  const settings = typeof context.slack === "function" ? await context.slack() : context.slack;
  if (settings.signingSecret === null) throw new ApiError(401, "Unauthorized", settings.unconfigured);
  const verdict = verifySlackSignature({
    secret: settings.signingSecret,
    timestamp: request.headers["x-slack-request-timestamp"],
    signature: request.headers["x-slack-signature"],
    body: request.body,
    now: wallClock(context),
  });
  if (!verdict.ok) throw new ApiError(401, "Unauthorized", SIGNATURE_MESSAGES[verdict.reason]);
  const form = new URLSearchParams(request.body);
  const userId = form.get("user_id") ?? "";
  const command = parseSlackCommand(form.get("text") ?? "");
  const slashCommand = form.get("command") ?? "/fleet";
  switch (command.action) {
    case "help":
      return reply(
        [command.problem, SLACK_USAGE.replaceAll("/fleet", slashCommand)].filter(Boolean).join("\n"),
      );
    case "fleet":
      return say(
        () => readFleet(context),
        "ephemeral",
        (json) => fleetSections(json as FleetView),
      );
    case "status": {
      const runId = command.runId;
      if (runId === null)
        return say(
          () => readRuns(context, 5),
          "ephemeral",
          (json) => runListSections((json as { runs: RunListItem[] }).runs),
        );
      return say(
        async () => readRun(context, runId),
        "ephemeral",
        (json) => runSections(json as RunResult),
      );
    }
    case "approve":
    case "abort": {
      if (!settings.allowedUsers.includes(userId)) {
        return reply(
          `${slackMention(userId)} may not ${command.action} runs; ask an operator to add the user id ` +
            `${quote(userId)} to the allowed users`,
        );
      }
      context.deps.logger.info(`slack ${command.action}`, { runId: command.runId, userId });
      const { runId } = command;
      const who = { actor: `Slack user ${userId}`, by: slackMention(userId) };
      return writeThrough(context, () =>
        say(async () => {
          // The ledger keeps a name readable outside Slack; the chat shows the mention.
          if (command.action === "abort")
            return abort(runId, command.reason, context, who, SLACK_WAKE_BUDGET_MS);
          const answer = await approve(runId, context);
          return { ...answer, text: `${answer.text} — approved by ${who.by}` };
        }, "in_channel"),
      );
    }
  }
}
