/**
 * Physical names of a stage's resources: every one derives from the stage, and each fits its AWS
 * limit by construction, whatever the stage name's length.
 *
 * - EventBridge rule names: 1-64 characters.
 *   https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html
 * - IAM role and instance profile names: 1-64 characters, unique in the account across all regions
 *   (IAM is global), so a name used in two regions must differ by region.
 *   https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
 *   https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateInstanceProfile.html
 * - Lambda function names: 1-64 characters.
 *   https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html
 * - Step Functions state machine names: 1-80 characters.
 *   https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html
 * - SNS topic names: up to 256 characters. https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html
 */
import { createHash } from "node:crypto";
import { FleetUpgradeError } from "@fleet-upgrade/core";

/** The longest prefix: 64 minus the longest suffix put after it (`-builder-` and a region). */
export const MAX_PREFIX_LENGTH = 40;

/** Stage names SST and every name here accept: letters, digits and hyphens, starting with a letter. */
const STAGE_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;

/** A stage name no physical name can carry. */
export class InvalidStageNameError extends FleetUpgradeError {
  override readonly name = "InvalidStageNameError";
}

function shortHash(value: string): string {
  return createHash("sha256").update(value).digest("hex").slice(0, 8);
}

/**
 * The prefix of every physical name of a stage: `<app>-<stage>` when that fits in
 * {@link MAX_PREFIX_LENGTH}, else `<app>-<start of stage>-<8 hex of the stage's hash>` (still unique
 * per stage, still readable).
 *
 * @example
 * stagePrefix("fleet-upgrade", "prod") // "fleet-upgrade-prod"
 */
export function stagePrefix(app: string, stage: string): string {
  if (!STAGE_NAME.test(stage)) {
    throw new InvalidStageNameError(
      `stage ${JSON.stringify(stage)} cannot name AWS resources: expected letters, digits and hyphens, starting with a letter`,
    );
  }
  const full = `${app}-${stage}`;
  if (full.length <= MAX_PREFIX_LENGTH) return full;
  const keep = MAX_PREFIX_LENGTH - app.length - 2 - 8;
  if (keep < 1)
    throw new InvalidStageNameError(`app name ${JSON.stringify(app)} leaves no room for the stage`);
  return `${app}-${stage.slice(0, keep).replace(/-+$/, "")}-${shortHash(stage)}`;
}

export interface StageNames {
  prefix: string;
  stateMachine: string;
  refreshEventsRule: string;
  /** IAM is global: the builder role and its instance profile carry the region. */
  builderRole: string;
  builderInstanceProfile: string;
  /** The runs topic: the stage file's own `notifications.topicName`, or one derived from the stage. */
  topic: string;
}

/**
 * All physical names of a deployed stage.
 *
 * @param stageFile the stage file used ("dev" for a personal stage without its own): a borrowed file's
 *   topic name belongs to its own stage, so a personal stage derives its own (`<prefix>-runs`).
 */
export function stageNames(args: {
  app: string;
  stage: string;
  stageFile: string;
  region: string;
  topicName: string;
}): StageNames {
  const prefix = stagePrefix(args.app, args.stage);
  const builder = `${prefix}-builder-${args.region}`;
  return {
    prefix,
    stateMachine: prefix,
    refreshEventsRule: `${prefix}-refresh-events`,
    builderRole: builder,
    builderInstanceProfile: builder,
    topic: args.stageFile === args.stage ? args.topicName : `${prefix}-runs`,
  };
}
