/** @fleet-upgrade/core/ledger: the run ledger over the LedgerStore port, and the AMI release records kept in it. */
export * from "../ami-release";
export * from "../run-ledger";
