/** @fleet-upgrade/core/plan: planning a run: waves, time estimates and the lower bound of a run. */
export * from "../estimate";
export * from "../lower-bound";
export * from "../wave-planner";
