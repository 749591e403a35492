import type { RunResult } from "@fleet-upgrade/core/result";
import type { FunctionSettings } from "@fleet-upgrade/functions";
import type { ProgressEvent, SimulatedAccount } from "@fleet-upgrade/simulator";
import type { RunFootprint } from "./footprint";

/** Something worth showing while a simulated run advances. */
export type SimulationEvent =
  | { kind: "state"; atMs: number; state: string; input: unknown }
  | { kind: "state-exited"; atMs: number; state: string; input: unknown; output: unknown }
  | { kind: "refresh"; atMs: number; progress: ProgressEvent }
  | { kind: "operator"; atMs: number; action: string; detail: string }
  | { kind: "notification"; atMs: number; summary: string };

export interface SimulationOptions {
  /** The run request; the scenario's `request` when absent. */
  request?: unknown;
  runId?: string;
  settings?: FunctionSettings;
  onEvent?: (event: SimulationEvent) => void;
  /**
   * Wraps every Task's function call of the run's executions (fault injection in tests): `call`
   * runs the function; `stop` stops the execution now, as StopExecution from the console would.
   */
  aroundTask?: (
    stateName: string,
    call: () => Promise<unknown>,
    control: { execution: "run" | "reconcile"; stop: () => void; payload: unknown },
  ) => Promise<unknown>;
  /** The execution's TimeoutSeconds (the definition's own when absent). */
  timeoutSeconds?: number;
}

export interface SimulationOutcome {
  result: RunResult;
  /** The run ended WAITING for an approval nobody gave. */
  stalled: boolean;
  /** The simulated account after the run, for inspection. */
  account: SimulatedAccount;
  /** The run's largest invocation, state payload and ledger item (issue 11). */
  footprint: RunFootprint;
}
