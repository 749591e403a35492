import { slackSignature } from "@fleet-upgrade/functions";
import { exampleWith } from "./support";

export const SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
export const OPERATOR = "U0OPERATOR";
export const SLACK_ENV = { SLACK_SIGNING_SECRET: SLACK_SECRET, SLACK_ALLOWED_USERS: `UOTHER, ${OPERATOR}` };

/** Three groups in two rings: a short rollout with one approval between its two waves (if asked). */
export const statusScenario = exampleWith((s) => {
  s.groups = s.groups.filter((g) => ["web-canary", "api-canary", "web"].includes(g.name));
  s.standalone = 2;
  s.request = {
    reason: "status API end-to-end",
    rollout: {
      waves: [
        { name: "canary", ring: "canary" },
        { name: "early", ring: "early" },
      ],
      bakeSeconds: 300,
    },
  };
});

/** A Slack slash-command request, signed as Slack signs it (or not quite, as asked). */
export function slackRequest(
  text: string,
  options: { user?: string; secret?: string; ageSeconds?: number; now?: Date } = {},
) {
  const body = new URLSearchParams({
    command: "/fleet",
    text,
    user_id: options.user ?? OPERATOR,
    user_name: "ops",
    team_id: "T1",
  }).toString();
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const timestamp = String(nowSeconds - (options.ageSeconds ?? 0));
  return {
    body,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": slackSignature(options.secret ?? SLACK_SECRET, timestamp, body),
    },
  };
}
