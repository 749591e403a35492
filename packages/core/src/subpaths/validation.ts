/** @fleet-upgrade/core/validation: problems with bad input, phrased for people, and the zod helpers that produce them. */
export * from "../validation";
