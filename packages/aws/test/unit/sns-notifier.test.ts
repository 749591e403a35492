import "aws-sdk-client-mock-vitest/extend";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { SnsNotifier } from "../../src/sns-notifier";

const sns = mockClient(SNSClient);
afterEach(() => sns.reset());

describe("SnsNotifier", () => {
  it("publishes the notification as JSON with a subject and its type as an attribute", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    const notifier = new SnsNotifier({
      sns: new SNSClient({ region: "us-east-1" }),
      topicArn: "arn:aws:sns:us-east-1:123456789012:runs",
    });
    const notification = {
      type: "RunFinished" as const,
      runId: "run-1",
      at: "2026-11-21T12:00:00.000Z",
      status: "SUCCEEDED",
      wave: null,
      group: null,
      summary: "run run-1 SUCCEEDED: 6 of 6 groups upgraded",
    };
    await notifier.notify(notification);
    expect(sns).toHaveReceivedCommandExactlyOnceWith(PublishCommand, {
      TopicArn: "arn:aws:sns:us-east-1:123456789012:runs",
      Subject: "fleet-upgrade RunFinished run-1",
      Message: JSON.stringify(notification),
      MessageAttributes: { type: { DataType: "String", StringValue: "RunFinished" } },
    });
  });

  it("refuses a malformed notification before calling SNS", async () => {
    const notifier = new SnsNotifier({
      sns: new SNSClient({ region: "us-east-1" }),
      topicArn: "arn:aws:sns:us-east-1:123456789012:runs",
    });
    await expect(notifier.notify({ type: "Nope" } as never)).rejects.toThrow();
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });
});
