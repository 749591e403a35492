import type { Scenario } from "@fleet-upgrade/core/scenario";
import { abortRun, approveRun, type FunctionDeps, OperatorRequestError } from "@fleet-upgrade/functions";
import type { SimulatedAccount } from "@fleet-upgrade/simulator";
import type { LocalRunner } from "@fleet-upgrade/workflow";
import type { SimulationEvent } from "./simulation-types";

type Clock = SimulatedAccount["clock"];

/**
 * The scenario's operator, acting through the same functions the status API calls: an abort at a
 * virtual time, and (through the returned hook) an approval or abort once the run waits after the
 * named wave.
 */
export function scriptedOperator(
  scenario: Scenario,
  runId: string,
  deps: FunctionDeps,
  runner: () => LocalRunner,
  clock: Clock,
  emit: (event: SimulationEvent) => void,
): (waveName: string) => void {
  const act = (action: "approve" | "abort" | "stop", detail: string, reason: string) => {
    if (action === "stop") {
      // StopExecution from the console: outside the product, no function of it is called.
      emit({ kind: "operator", atMs: clock.now(), action, detail });
      runner().stop("ABORTED");
      return;
    }
    void runner().track(async () => {
      emit({ kind: "operator", atMs: clock.now(), action, detail });
      try {
        if (action === "approve") await approveRun(deps, runId);
        else await abortRun(deps, runId, reason);
      } catch (error) {
        // Refused as the status API would answer 409 (nothing to approve, already aborting): the
        // scripted operator is told, the run goes on.
        if (!(error instanceof OperatorRequestError)) throw error;
        emit({ kind: "operator", atMs: clock.now(), action, detail: `refused: ${error.message}` });
      }
    });
  };
  for (const action of scenario.operator) {
    if (action.atSeconds === undefined) continue;
    const reason = action.reason ?? "the scenario's operator";
    clock.schedule(clock.now() + action.atSeconds * 1000, () => act(action.action, reason, reason));
  }
  return (waveName) => {
    const action = scenario.operator.find((a) => a.afterWave === waveName);
    if (!action) return;
    const reason = action.reason ?? `after wave ${waveName}`;
    clock.schedule(clock.now(), () => act(action.action, `after wave ${waveName}`, reason));
  };
}

/** Real-time pacing for a live simulation: `speed` virtual seconds per real second. */
export interface Pacing {
  speed: number;
}

/**
 * Sleeps in real time until the clock's next event is due at the pacing's speed. Live, a run
 * blocked on a wait nothing is scheduled to end (an approval) waits for an operator to answer it
 * through the status API, as Step Functions would, instead of ending stalled.
 */
export async function paceTo(
  clock: Clock,
  pacing: Pacing,
  runner: LocalRunner,
  closed: () => boolean,
): Promise<void> {
  const waiting = runner.waitingTokens().join(" ");
  while (clock.nextAt() === undefined && waiting !== "" && !closed()) {
    if (runner.waitingTokens().join(" ") !== waiting) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const next = clock.nextAt();
  if (next === undefined || closed()) return;
  const waitMs = (next - clock.now()) / pacing.speed;
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(waitMs, 60_000)));
}
