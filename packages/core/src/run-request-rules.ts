import { isPlainObject, oneOfPhrase } from "./validation";

/**
 * The run request's cross-field rules (FIPS kernels, waves, checkpoints, healthy percentages), apart
 * from the field schemas in run-request.ts that they complement.
 */

/** A problem one of the cross-field rules finds, at a path of the request. */
export interface RuleIssue {
  path: PropertyKey[];
  message: string;
}

function field(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (!isPlainObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;

/**
 * The cross-field rules. They read the value defensively, so they also run when other fields are
 * malformed, and skip any value that already fails its own field check (that problem is reported once).
 */
export function ruleIssues(
  value: unknown,
  validatedFipsKernels: readonly string[] | null,
  kernelTracks: readonly string[],
): RuleIssue[] {
  const issues: RuleIssue[] = [];

  const kernel = field(value, "image", "kernel");
  if (
    validatedFipsKernels !== null &&
    field(value, "hardening", "fips") === true &&
    field(value, "hardening", "allowUnvalidatedKernel") !== true &&
    typeof kernel === "string" &&
    kernelTracks.includes(kernel) &&
    !validatedFipsKernels.includes(kernel)
  ) {
    issues.push({
      path: ["image", "kernel"],
      message:
        `a FIPS-validated kernel track (${validatedFipsKernels.length === 0 ? "none is configured" : oneOfPhrase(validatedFipsKernels)}) ` +
        "because hardening.fips is true; set hardening.allowUnvalidatedKernel to true to accept another track",
    });
  }

  const waves = field(value, "rollout", "waves");
  if (Array.isArray(waves)) {
    const names = new Map<string, number>();
    let previous: { percent: number; index: number } | null = null;
    waves.forEach((wave: unknown, index) => {
      if (!isPlainObject(wave)) return;
      const hasRing = wave.ring !== undefined;
      const hasPercent = wave.percent !== undefined;
      if (hasRing === hasPercent) {
        issues.push({
          path: ["rollout", "waves", index],
          message: hasRing
            ? 'a wave with exactly one of "ring" or "percent", not both'
            : 'a wave with exactly one of "ring" (a ring tag value) or "percent" (1-100)',
        });
      }
      const name = wave.name;
      if (typeof name === "string" && name !== "") {
        const first = names.get(name);
        if (first === undefined) names.set(name, index);
        else {
          issues.push({
            path: ["rollout", "waves", index, "name"],
            message: `a wave name not already used (rollout.waves[${first}] is also named ${JSON.stringify(name)})`,
          });
        }
      }
      if (isInt(wave.percent, 1, 100)) {
        if (previous !== null && wave.percent <= previous.percent) {
          issues.push({
            path: ["rollout", "waves", index, "percent"],
            message: `a percentage above ${previous.percent} (rollout.waves[${previous.index}].percent): percentages ascend across waves`,
          });
        }
        previous = { percent: wave.percent, index };
      }
    });
  }

  const checkpoints = field(value, "rollout", "checkpoints");
  if (Array.isArray(checkpoints)) {
    let previous: number | null = null;
    checkpoints.forEach((checkpoint: unknown, index) => {
      if (!isInt(checkpoint, 1, 99)) return;
      if (previous !== null && checkpoint <= previous) {
        issues.push({
          path: ["rollout", "checkpoints", index],
          message: `an integer ${previous + 1}-99: checkpoints ascend strictly (the one before is ${previous})`,
        });
      }
      previous = checkpoint;
    });
  }

  const min = field(value, "rollout", "minHealthyPercentage");
  const max = field(value, "rollout", "maxHealthyPercentage");
  if (isInt(min, 0, 100) && isInt(max, 100, 200) && max > min + 100) {
    issues.push({
      path: ["rollout", "maxHealthyPercentage"],
      message: `an integer 100-${min + 100}: at most rollout.minHealthyPercentage (${min}) + 100`,
    });
  }

  return issues;
}
