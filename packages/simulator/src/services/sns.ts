import type { PublishCommandInput } from "@aws-sdk/client-sns";
import { ServiceFault } from "../errors";
import { ACCOUNT_ID } from "../world";
import type { ServiceHandlers } from "./common";

/** SNS's limit on a message: 256 KiB. */
const MAX_MESSAGE_BYTES = 256 * 1024;

/** SNS: Publish to any topic of the simulated account; messages are kept in order. */
export const snsHandlers: ServiceHandlers = {
  Publish(ctx, raw) {
    const input = raw as PublishCommandInput;
    const topicArn = input.TopicArn ?? "";
    const match = /^arn:aws:sns:([a-z0-9-]+):(\d{12}):[A-Za-z0-9_-]{1,256}$/.exec(topicArn);
    if (!match || match[2] !== ACCOUNT_ID) {
      throw new ServiceFault("NotFound", `Topic does not exist: ${JSON.stringify(topicArn)}`);
    }
    const message = input.Message ?? "";
    if (message === "") throw new ServiceFault("InvalidParameterException", "Invalid parameter: Message");
    if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES) {
      throw new ServiceFault("InvalidParameterException", "Invalid parameter: Message too long");
    }
    const published = {
      atMs: ctx.world.clock.now(),
      topicArn,
      subject: input.Subject ?? null,
      message,
    };
    ctx.world.notifications.push(published);
    for (const listener of ctx.world.notificationListeners) listener(published);
    return { MessageId: `sns-${ctx.world.notifications.length}` };
  },
};
