/** @fleet-upgrade/core/health: judging health: alarms and checks, refresh progress, the regression analysis and its judge. */
export * from "../health";
export * from "../refresh-alarms";
export * from "../refresh-progress";
export * from "../regression-analysis";
export * from "../regression-judge";
