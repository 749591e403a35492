/** @fleet-upgrade/core/result: the run result and outcome, and the groups a run left untargeted. */
export * from "../run-outcome";
export * from "../run-result";
export * from "../untargeted";
