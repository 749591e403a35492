/** @fleet-upgrade/core/scenario: the scenario format of the simulator and the bench. */
export * from "../scenario";
