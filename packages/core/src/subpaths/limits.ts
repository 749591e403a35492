/** @fleet-upgrade/core/limits: the numeric limits every input is held to, and the call budget of paged work. */
export * from "../limits";
export * from "../paging";
