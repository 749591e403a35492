/** @fleet-upgrade/core/request: the run request, stage settings and what a request targets. */
export * from "../run-request";
export * from "../stage";
export * from "../target";
