/** Where runs announce themselves: an SNS topic the finish task may publish to. */
import * as aws from "@pulumi/aws";

export function createNotifications(args: { topicName: string }) {
  const topic = new aws.sns.Topic("FleetUpgradeRunsTopic", {
    name: args.topicName,
    kmsMasterKeyId: "alias/aws/sns",
  });
  return { topic };
}
