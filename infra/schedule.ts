/** The new-AMI check on a schedule: EventBridge Scheduler through SST's CronV2. */
export function createSchedule(args: {
  expression: string;
  timezone: string;
  newAmiCheckArn: $util.Input<string>;
}) {
  return new sst.aws.CronV2("NewAmiCheckSchedule", {
    schedule: args.expression as `rate(${string})` | `cron(${string})`,
    timezone: args.timezone,
    function: args.newAmiCheckArn,
    event: { source: "schedule" },
    retries: 2,
  });
}
