import { startLedgerServer } from "@fleet-upgrade/harness";
import { describe, expect, it } from "vitest";
import { FAULT_KINDS, KNOWN, pool, runPoint, taskStates } from "./fault-matrix";

describe("the fault matrix", () => {
  it("holds the fail-safe invariants at every Task x every fault kind", { timeout: 480_000 }, async () => {
    const states = taskStates();
    const points = states.flatMap((state) => FAULT_KINDS.map((kind) => ({ state, kind })));
    // One DynamoDB emulator for all points, a table each: points run side by side.
    const ledger = await startLedgerServer();
    const results = await pool(points, 6, ({ state, kind }) =>
      runPoint(state, kind, ledger.endpoint),
    ).finally(() => ledger.close());
    const unreached = results.filter((r) => !r.reached).map((r) => r.point);
    const violating = results.filter((r) => r.violations.length > 0);
    const unexpected = violating.filter((r) => !KNOWN[r.point]);
    const fixed = Object.keys(KNOWN).filter((p) => !violating.some((r) => r.point === p));
    const lines = [
      `fault matrix: ${results.length} fault points (${states.length} Task states x ${FAULT_KINDS.length} fault kinds), ${results.length - unreached.length} reached`,
      `violations: ${unexpected.length} (known, owned elsewhere: ${violating.length - unexpected.length})`,
      ...violating.map((r) => `  ${KNOWN[r.point] ? "[known] " : ""}${r.point}: ${r.violations.join("; ")}`),
      ...(unreached.length > 0 ? [`not reached: ${unreached.join(", ")}`] : []),
    ];
    console.log(lines.join("\n"));
    expect(unreached).toEqual([]);
    expect(unexpected.map((r) => `${r.point}: ${r.violations.join("; ")}`)).toEqual([]);
    expect(fixed, "known violations that no longer occur: remove them from KNOWN").toEqual([]);
  });
});
