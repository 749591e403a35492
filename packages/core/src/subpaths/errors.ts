/** @fleet-upgrade/core/errors: the domain's named error classes (Step Functions matches Retry and Catch on their names). */
export * from "../errors";
