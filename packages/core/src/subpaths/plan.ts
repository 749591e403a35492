/** @fleet-upgrade/core/plan: planning a run: waves, time estimates, the lower bound and the Lambda concurrency it needs. */
export * from "../estimate";
export * from "../lambda-concurrency";
export * from "../lower-bound";
export * from "../wave-planner";
