export { type LedgerServer, startLedgerServer } from "./ledger-server";
export { MemoryLedgerStore } from "./memory-ledger-store";
export { effectiveRequest } from "./run-bounds";
export { AL2_IMAGE, AL2_PARAM, AL2023_IMAGE, AL2023_PARAM, scenarioOf } from "./scenario-fixtures";
export type { Pacing } from "./scripted-operator";
export { answerCommands, countCommands } from "./sdk-answers";
export { simulate } from "./simulate";
export { SimulatedEnvironment } from "./simulated-environment";
export type { SimulationEvent, SimulationOptions, SimulationOutcome } from "./simulation-types";
