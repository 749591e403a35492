/** What other code (the e2e tests, the bench) may use of the CLI: its commands as functions. */
export { jsonSchemas, referenceDocs, SCHEMA_DIR } from "./json-schemas";
export { main } from "./main";
export { type PlanClients, planCommand } from "./plan-command";
export { remoteCommand } from "./remote";
export { DEFAULT_SPEED, type ServeHandle, startServe } from "./serve";
