import type { Scenario } from "@fleet-upgrade/core";
import { DEFAULT_SETTINGS, type FunctionSettings } from "@fleet-upgrade/functions";
import { SimulatedEnvironment } from "@fleet-upgrade/harness";
import { buildDefinition, localFunctionArns } from "@fleet-upgrade/workflow";
import { invariantViolations, smallScenario } from "./fault-support";

/**
 * The fault matrix (issue 8): every Task state of the run's state machine, each with every fault
 * kind, on a small account; after every execution of the run ended, the fail-safe invariants hold.
 */
export const FAULT_KINDS = [
  "throw-after-side-effect",
  "every-call-throttled",
  "lambda-timeout",
  "console-stop",
] as const;
type FaultKind = (typeof FAULT_KINDS)[number];

/** Every Task state of the definition, found by walking it (a new Task joins the matrix by itself). */
export function taskStates(): string[] {
  const out: string[] = [];
  const walk = (states: Record<string, Record<string, unknown>>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === "Task") out.push(name);
      const processor = state.ItemProcessor as
        | { States: Record<string, Record<string, unknown>> }
        | undefined;
      if (processor) walk(processor.States);
    }
  };
  walk(buildDefinition(localFunctionArns()).States);
  return out;
}

class InjectedFault extends Error {
  override readonly name = "InjectedFault";
}

/**
 * The error a timeout surfaces as: a Task's TimeoutSeconds passing (States.Timeout); for a
 * `.waitForTaskToken` state, whose States.Timeout is the designed poll path, the function that
 * files the token timing out (Sandbox.Timedout, retried as a Lambda error, then caught).
 */
function timeoutError(name: "States.Timeout" | "Sandbox.Timedout"): Error {
  const error = new Error(name);
  error.name = name;
  return error;
}

const WAIT_STATES = new Set(["WaitForRefresh", "WaitForApproval"]);

const noHardening = (s: Record<string, unknown>) => {
  (s.request as Record<string, unknown>).hardening = { stig: "off", fips: false };
};

/**
 * How the small run reaches each state: most states run in a plain rollout; the others need a
 * condition (a regression, lost events, an approval) or an earlier failure (`prime`).
 */
interface Reach {
  scenario: Scenario;
  /** States that fail (throw after their work) on every call, so the faulted state is reached. */
  prime?: string[];
  /** States that fail before doing anything (their work never happens). */
  primeBefore?: string[];
  /** Only this group's calls are primed (all when absent). */
  primeGroup?: string;
  /** Functions' settings (the defaults when absent). */
  settings?: FunctionSettings;
}
function reach(state: string): Reach {
  switch (state) {
    case "HardenStep":
      return { scenario: smallScenario() };
    case "PollRefresh":
      return {
        scenario: smallScenario((s) => {
          noHardening(s);
          s.faults = { dropEvents: 1 };
        }),
      };
    case "RollbackGroup":
      return {
        scenario: smallScenario((s) => {
          noHardening(s);
          const [canary] = s.groups as Record<string, unknown>[];
          if (canary) canary.onNewImage = { unhealthyTargets: true };
        }),
      };
    case "WaitForApproval":
      return {
        scenario: smallScenario((s) => {
          noHardening(s);
          ((s.request as Record<string, unknown>).rollout as Record<string, unknown>).approval =
            "between-waves";
          s.operator = [{ afterWave: "canary", action: "approve" }];
        }),
      };
    case "GroupFailed":
      return { scenario: smallScenario(noHardening), prime: ["EvaluateHealth"] };
    case "RecordFailure":
    case "RecordFailureAgain":
      // A group of the last wave abandoned at its checkpoint (its failure could not be recorded):
      // Finish refuses to close, the reconcile loop rolls its refresh back and waits.
      return {
        scenario: smallScenario((s) => {
          noHardening(s);
          // api's refresh runs long after its checkpoint, so it still runs when the run reaches Finish.
          const api = (s.groups as Record<string, unknown>[]).find((g) => g.name === "api");
          if (api) Object.assign(api, { desired: 8, min: 8, max: 12, warmupSeconds: 200 });
        }),
        prime: ["EvaluateHealth"],
        primeBefore: ["GroupFailed"],
        primeGroup: "api",
      };
    case "InventoryMore":
    case "ReadinessMore":
    case "PlanMore":
    case "FinishMore":
      // A call budget so small that inventory, readiness, plan and finish take a page per group.
      return {
        scenario: smallScenario(noHardening),
        settings: { ...DEFAULT_SETTINGS, callsPerInvocation: 10 },
      };
    default:
      return { scenario: smallScenario(noHardening) };
  }
}

/**
 * Fault points whose violation lies in another engineer's handlers and is fixed there (issue 8
 * findings 1 and 3, owned by H3): listed so the matrix is green now and tightens once the fix
 * lands (a listed point that passes fails the test: remove it from here).
 */
export const KNOWN: Record<string, string> = {};

export interface PointResult {
  point: string;
  reached: boolean;
  violations: string[];
}

export async function runPoint(
  state: string,
  kind: FaultKind,
  ledgerEndpoint?: string,
): Promise<PointResult> {
  const point = `${state} x ${kind}`;
  const { scenario, prime = [], primeBefore = [], primeGroup, settings } = reach(state);
  const env = await SimulatedEnvironment.start(scenario, {
    ...(ledgerEndpoint ? { ledgerEndpoint } : {}),
    ...(settings ? { settings } : {}),
  });
  let reached = false;
  let stopped = false;
  let throttling = 0;
  const faults = env.account.scenario.faults;
  try {
    const { result } = await env.run({
      runId: `matrix-${state}-${kind}`,
      aroundTask: async (name, call, control) => {
        if (control.execution !== "run") return call();
        if (name === state) {
          reached = true;
          if (kind === "throw-after-side-effect") {
            await call();
            throw new InjectedFault(`injected after ${name}'s work`);
          }
          if (kind === "lambda-timeout") {
            await call();
            throw timeoutError(WAIT_STATES.has(name) ? "Sandbox.Timedout" : "States.Timeout");
          }
          if (kind === "console-stop" && !stopped) {
            stopped = true;
            control.stop();
            return call();
          }
          if (kind === "every-call-throttled") {
            throttling++;
            faults.throttle = { rate: 1, operations: [] };
            try {
              return await call();
            } finally {
              throttling--;
              if (throttling === 0) faults.throttle = null;
            }
          }
          return call();
        }
        const group = (control.payload as { group?: unknown } | null)?.group;
        const primed = primeGroup === undefined || group === primeGroup;
        if (primed && primeBefore.includes(name))
          throw new InjectedFault(`primed failure of ${name}, before its work`);
        if (primed && prime.includes(name)) {
          await call();
          throw new InjectedFault(`primed failure of ${name}`);
        }
        return call();
      },
    });
    const violations = reached
      ? invariantViolations(
          result,
          env.account,
          kind === "console-stop" ? { executionStatus: "ABORTED" } : {},
        )
      : [];
    return { point, reached, violations };
  } catch (error) {
    return { point, reached, violations: [`the simulation threw: ${(error as Error).message}`] };
  } finally {
    await env.close();
  }
}

export async function pool<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) {
        const index = next++;
        out[index] = await work(items[index] as T);
      }
    }),
  );
  return out;
}
