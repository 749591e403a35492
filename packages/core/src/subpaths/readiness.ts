/** @fleet-upgrade/core/readiness: the preflight: readiness findings, user-data rules and the SSM documents it checks. */
export * from "../documents";
export * from "../readiness";
export * from "../readiness-pages";
export * from "../user-data";
