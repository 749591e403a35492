export {
  AutoScalingFleetInventory,
  type AutoScalingFleetInventoryClients,
  SSM_IMAGE_REF_PREFIX,
} from "./autoscaling-fleet-inventory";
export { AutoScalingGroupRollout, type AutoScalingGroupRolloutClients } from "./autoscaling-group-rollout";
export { AutoScalingRollout, type AutoScalingRolloutClients } from "./autoscaling-rollout";
export {
  type AwsClients,
  type AwsClientsConfig,
  type ClientName,
  clientSettings,
  createAwsClients,
  DEFAULT_MAX_ATTEMPTS,
} from "./clients";
export { CloudWatchHealth, type CloudWatchHealthClients } from "./cloudwatch-health";
export { AwsHealthMonitor, type AwsHealthMonitorClients } from "./cloudwatch-health-monitor";
export {
  CloudWatchMetricReader,
  type CloudWatchMetricReaderClients,
  MAX_METRIC_QUERIES_PER_CALL,
} from "./cloudwatch-metric-reader";
export { DOCUMENT_FILES, documentPath, loadDocumentContent, type ProductDocument } from "./documents";
export {
  DynamoLedgerStore,
  type DynamoLedgerStoreOptions,
  ensureLedgerTable,
  LEDGER_TABLE_DEFINITION,
  ledgerCreateTableInput,
} from "./dynamo-ledger-store";
export {
  COMMAND_TIMEOUT_SECONDS,
  Ec2ImageHardener,
  type Ec2ImageHardenerClients,
} from "./ec2-image-hardener";
export { ClientNotGivenError, LedgerReadError, LedgerWriteError, UnexpectedResponseError } from "./errors";
export { GroupsReader, type GroupsReaderClients } from "./groups-reader";
export { describeAllAutoScalingGroups, instanceProfileRole } from "./queries";
export { AwsReadinessReader, type AwsReadinessReaderClients } from "./readiness-reader";
export { SfnRunStarter, type SfnRunStarterClients } from "./sfn-run-starter";
export { SfnTaskResumer, type SfnTaskResumerClients } from "./sfn-task-resumer";
export { SnsNotifier, type SnsNotifierOptions } from "./sns-notifier";
export { SsmCommandRunner, type SsmCommandRunnerClients } from "./ssm-command-runner";
export { SsmImageCatalog, type SsmImageCatalogClients } from "./ssm-image-catalog";
export { SsmParameterCatalog, type SsmParameterCatalogClients } from "./ssm-parameter-catalog";
export {
  parseUserList,
  type SlackSecrets,
  SsmSlackSettings,
  type SsmSlackSettingsClients,
} from "./ssm-slack-settings";
