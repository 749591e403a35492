import { MAX_REFRESH_ALARMS } from "./readiness";

/**
 * Which alarms an instance refresh's AlarmSpecification carries. AWS takes at most 10 alarms
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_AlarmSpecification.html) and refuses
 * to start a refresh while one of them is in ALARM or INSUFFICIENT_DATA (an alarm on a sparse metric,
 * such as a 5xx count, can sit in INSUFFICIENT_DATA for days). So the refresh watches the first 10
 * alarms in OK; every other alarm is judged by the run's own health checks, and the group says so.
 */

export type AlarmStateValue = "OK" | "ALARM" | "INSUFFICIENT_DATA";

export interface RefreshAlarms {
  /** Sent in the AlarmSpecification: in OK, at most {@link MAX_REFRESH_ALARMS}, in the given order. */
  watched: string[];
  /** Left to the run's own health checks, each with why. */
  judgedByRun: { name: string; why: string }[];
}

/**
 * Splits the alarms a group is watched by. `states` maps an alarm name to its state; an alarm
 * missing from it does not exist (AWS would refuse it too).
 *
 * @example
 * splitRefreshAlarms(["a", "b"], new Map([["a", "OK"], ["b", "INSUFFICIENT_DATA"]]))
 * // { watched: ["a"], judgedByRun: [{ name: "b", why: "in INSUFFICIENT_DATA" }] }
 */
export function splitRefreshAlarms(
  names: readonly string[],
  states: ReadonlyMap<string, AlarmStateValue>,
): RefreshAlarms {
  const watched: string[] = [];
  const judgedByRun: RefreshAlarms["judgedByRun"] = [];
  for (const name of new Set(names)) {
    const state = states.get(name);
    if (state === undefined) judgedByRun.push({ name, why: "not found in CloudWatch" });
    else if (state !== "OK") judgedByRun.push({ name, why: `in ${state}` });
    else if (watched.length >= MAX_REFRESH_ALARMS)
      judgedByRun.push({ name, why: `beyond the ${MAX_REFRESH_ALARMS} alarms a refresh takes` });
    else watched.push(name);
  }
  return { watched, judgedByRun };
}

/** The note a group records for alarms its refresh does not watch; null when there are none. */
export function refreshAlarmsNote(judgedByRun: RefreshAlarms["judgedByRun"]): string | null {
  if (judgedByRun.length === 0) return null;
  const list = judgedByRun.map(({ name, why }) => `${name} (${why})`).join(", ");
  return `alarms judged by the run's own health checks, not by the instance refresh's AlarmSpecification: ${list}`;
}
