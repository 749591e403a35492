export {
  type AttachableClient,
  type AttachOptions,
  type CreateClientsOptions,
  type GroupSnapshot,
  LEAN_CLIENT_CONFIG,
  leanClient,
  SIMULATED_CREDENTIALS,
  SimulatedAccount,
  type SimulatedClients,
} from "./account";
export { ServiceFault, type ServiceName } from "./errors";
export { type GenerateFleetOptions, generateFleetScenario } from "./generate";
export {
  ApiModel,
  apiModel,
  MODEL_FILES,
  type ModelledService,
  type ModelViolation,
} from "./model-validation";
export { IdFactory, Random } from "./random";
export { minHealthyCount } from "./refresh-engine";
export { SIMULATED_MAX_ATTEMPTS, ZeroDelayRetryStrategy } from "./retry";
export { EXAMPLE_SCENARIO_PATH, loadScenario, parseScenarioText } from "./scenario-loader";
export { VirtualClock } from "./virtual-clock";
export type {
  ProgressEvent,
  ProgressKind,
  PublishedMessage,
  RefreshEvent,
  RefreshEventType,
  RefreshStatus,
} from "./world";
