import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { type Notifier, type RunNotification, RunNotificationSchema } from "@fleet-upgrade/core";

export interface SnsNotifierOptions {
  sns: SNSClient;
  topicArn: string;
}

/**
 * Publishes run notifications to an SNS topic: the JSON notification as the message, a short
 * subject for mail subscribers, and the type as a message attribute for subscription filters.
 */
export class SnsNotifier implements Notifier {
  constructor(private readonly options: SnsNotifierOptions) {}

  async notify(notification: RunNotification): Promise<void> {
    const checked = RunNotificationSchema.parse(notification);
    await this.options.sns.send(
      new PublishCommand({
        TopicArn: this.options.topicArn,
        Subject: `fleet-upgrade ${checked.type} ${checked.runId}`.slice(0, 100),
        Message: JSON.stringify(checked),
        MessageAttributes: { type: { DataType: "String", StringValue: checked.type } },
      }),
    );
  }
}
