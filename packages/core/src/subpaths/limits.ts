/** @fleet-upgrade/core/limits: the numeric limits every input is held to. */
export * from "../limits";
