import type { DescribeTargetHealthCommandInput } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ServiceFault } from "../errors";
import type { InstanceState } from "../world";
import type { ServiceHandlers } from "./common";

function targetHealth(instance: InstanceState | undefined, unhealthyNew: boolean): object {
  if (instance === undefined || instance.state === "terminated") {
    return {
      State: "unused",
      Reason: "Target.NotRegistered",
      Description: "Target is not registered to the target group",
    };
  }
  if (instance.lifecycle === "Pending") {
    return {
      State: "initial",
      Reason: "Elb.RegistrationInProgress",
      Description: "Target registration is in progress",
    };
  }
  if (unhealthyNew && instance.newImage) {
    return {
      State: "unhealthy",
      Reason: "Target.ResponseCodeMismatch",
      Description: "Health checks failed with these codes: [502]",
    };
  }
  return { State: "healthy" };
}

export const elbv2Handlers: ServiceHandlers = {
  DescribeTargetHealth(ctx, raw) {
    const input = raw as DescribeTargetHealthCommandInput;
    const arn = input.TargetGroupArn ?? "";
    const group = ctx.world.targetGroups.get(arn);
    if (group === undefined) {
      throw new ServiceFault("TargetGroupNotFoundException", `Target groups '${arn}' not found`);
    }
    const unhealthyNew = group.onNewImage.unhealthyTargets === true;
    const ids =
      input.Targets !== undefined && input.Targets.length > 0
        ? input.Targets.map((t) => t.Id ?? "")
        : [...group.members];
    return {
      TargetHealthDescriptions: ids.map((id) => {
        const instance = ctx.world.instances.get(id);
        const member = instance?.groupName === group.name ? instance : undefined;
        return {
          Target: { Id: id, Port: 80 },
          HealthCheckPort: "80",
          TargetHealth: targetHealth(member, unhealthyNew),
        };
      }),
    };
  },
};
