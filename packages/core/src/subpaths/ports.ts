/** @fleet-upgrade/core/ports: the ports adapters implement, with the fleet records and notifications that cross them. */
export * from "../fleet";
export * from "../notification";
export * from "../ports";
