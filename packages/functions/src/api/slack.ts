import { createHmac, timingSafeEqual } from "node:crypto";

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
