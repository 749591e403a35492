/** @fleet-upgrade/core/ports: the ports adapters implement, with the fleet records and notifications that cross them. */
export * from "../fleet";
export * from "../inventory-pages";
export * from "../notification";
export * from "../ports";
