import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  parseSlackCommand,
  slackSettingsFromEnv,
  slackSignature,
  verifySlackSignature,
} from "../../../src/api/slack";

// Slack's documented example (api.slack.com/authentication/verifying-requests-from-slack).
const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const BODY =
  "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const TIMESTAMP = "1531420618";
const AT = new Date(1531420618 * 1000 + 30_000);

describe("verifySlackSignature", () => {
  it("computes Slack's own example signature", () => {
    expect(slackSignature(SECRET, TIMESTAMP, BODY)).toBe(
      "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    );
  });

  const verify = (over: Partial<Parameters<typeof verifySlackSignature>[0]>) =>
    verifySlackSignature({
      secret: SECRET,
      timestamp: TIMESTAMP,
      signature: slackSignature(SECRET, TIMESTAMP, BODY),
      body: BODY,
      now: AT,
      ...over,
    });

  it("accepts a correct signature within the window", () => {
    expect(verify({})).toEqual({ ok: true });
  });

  it("refuses a body changed after signing, another secret, and a signature of another length", () => {
    expect(verify({ body: `${BODY}&text=approve` })).toEqual({ ok: false, reason: "mismatch" });
    expect(verify({ secret: "another" })).toEqual({ ok: false, reason: "mismatch" });
    expect(verify({ signature: "v0=abc" })).toEqual({ ok: false, reason: "mismatch" });
    const sha1 = `v0=${createHmac("sha1", SECRET).update(`v0:${TIMESTAMP}:${BODY}`).digest("hex")}`;
    expect(verify({ signature: sha1 })).toEqual({ ok: false, reason: "mismatch" });
  });

  it("refuses requests more than 5 minutes old or ahead, at the boundary exactly", () => {
    const signedAt = Number(TIMESTAMP) * 1000;
    expect(verify({ now: new Date(signedAt + 300_000) }).ok).toBe(true);
    expect(verify({ now: new Date(signedAt + 301_000) })).toEqual({ ok: false, reason: "stale" });
    expect(verify({ now: new Date(signedAt - 301_000) })).toEqual({ ok: false, reason: "stale" });
  });

  it("refuses missing headers and timestamps that are not Unix seconds", () => {
    expect(verify({ signature: undefined })).toEqual({ ok: false, reason: "missing" });
    expect(verify({ timestamp: "" })).toEqual({ ok: false, reason: "missing" });
    expect(verify({ timestamp: "1531420618.5" })).toEqual({ ok: false, reason: "malformed-timestamp" });
    expect(verify({ timestamp: "-1" })).toEqual({ ok: false, reason: "malformed-timestamp" });
  });
});

describe("parseSlackCommand", () => {
  it("reads status, approve and abort with their run and reason", () => {
    expect(parseSlackCommand("")).toEqual({ action: "fleet" });
    expect(parseSlackCommand("help")).toEqual({ action: "help", problem: null });
    expect(parseSlackCommand("status")).toEqual({ action: "status", runId: null });
    expect(parseSlackCommand("  Status  run-1 ")).toEqual({ action: "status", runId: "run-1" });
    expect(parseSlackCommand("approve run-1")).toEqual({ action: "approve", runId: "run-1" });
    expect(parseSlackCommand("abort run-1 pager went off")).toEqual({
      action: "abort",
      runId: "run-1",
      reason: "pager went off",
    });
    expect(parseSlackCommand("approve")).toEqual({ action: "help", problem: "approve needs the run id" });
    expect(parseSlackCommand("deploy x")).toEqual({ action: "help", problem: 'unknown subcommand "deploy"' });
  });
});

describe("slackSettingsFromEnv", () => {
  it("reads the secret and the comma-separated allowed users; no secret means unconfigured", () => {
    expect(
      slackSettingsFromEnv({ SLACK_SIGNING_SECRET: "s", SLACK_ALLOWED_USERS: " U1, ,U2 " }),
    ).toMatchObject({
      signingSecret: "s",
      allowedUsers: ["U1", "U2"],
    });
    const none = slackSettingsFromEnv({});
    expect(none.signingSecret).toBeNull();
    expect(none.unconfigured).toContain("SLACK_SIGNING_SECRET");
  });
});
