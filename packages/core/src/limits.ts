/**
 * Upper bounds of every number and list of the inputs (run request, scenario), refused up front with
 * the field named. Where AWS sets the limit it is cited; elsewhere the bound is common sense, far
 * beyond any real use and small enough that nothing downstream (the simulator's memory, a virtual
 * clock, a DynamoDB item) can be exhausted by an input.
 */
export const LIMITS = {
  /** Longest `reason` from any source (CONTRACTS section 1). */
  reasonLength: 500,
  /**
   * Groups a run may name. Auto Scaling's default quota is 500 groups per Region ("Quotas for Auto
   * Scaling resources and groups", adjustable); the product is built for 5,000.
   */
  groupNames: 5_000,
  /** Auto Scaling group names: 1-255 characters (XmlStringMaxLen255 in the Auto Scaling API model). */
  groupNameLength: 255,
  /** Tags on one resource: at most 50; keys up to 128 characters, values up to 256 (EC2 tag restrictions). */
  tags: 50,
  tagKeyLength: 128,
  tagValueLength: 256,
  /** Waves of one run: common sense (each is a Map state run and a bake). */
  waves: 100,
  /** CloudWatch alarm names: 1-255 characters (AlarmName in the CloudWatch API model). */
  alarmNameLength: 255,
  /** Alarms a request names for every group: 10 go in a refresh, the rest the run judges itself. */
  alarms: 100,
  /** A refresh's CheckpointDelay and BakeTime: 0-172800 seconds (Auto Scaling API model). */
  delaySeconds: 172_800,
  /**
   * Instances of one simulated group (desired, min, max). Auto Scaling's model sets no range on
   * MaxSize; 10,000 instances is beyond the default EC2 vCPU quotas of any account many times over.
   */
  groupSize: 10_000,
  /** Standalone instances of a simulated account: common sense, as for a group. */
  standalone: 10_000,
  /** Groups of a simulated account: the scale the product is built for. */
  scenarioGroups: 5_000,
  /** Versions of one launch template: at most 10,000 ("Restrictions for Amazon EC2 launch templates"). */
  launchTemplateVersion: 10_000,
  /**
   * Simulated durations (launch, warmup, each hardening step): at most 172,800 s (48 h), the longest
   * execution timeout SSM Run Command takes (SendCommand's executionTimeout parameter).
   */
  durationSeconds: 172_800,
  /** Virtual seconds after the start an operator may act: 30 days, a run's longest life. */
  operatorSeconds: 30 * 86_400,
  /** Images, operator actions, faults' lists of a simulated account: common sense. */
  listItems: 1_000,
  /** A simulated per-instance metric's mean: common sense (a percentage, a count, a latency). */
  metricMean: 1_000_000_000,
  /** Names in a scenario or request (waves, rings, images): common sense. */
  nameLength: 255,
} as const;
