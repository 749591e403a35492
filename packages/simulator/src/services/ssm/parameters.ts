import type {
  GetParameterCommandInput,
  GetParametersByPathCommandInput,
  GetParametersCommandInput,
} from "@aws-sdk/client-ssm";
import { ServiceFault, validationFault } from "../../errors";
import type { ParameterState, World } from "../../world";
import { checkRange, paginate, type ServiceHandlers } from "../common";

/** SSM Parameter Store: GetParameter(s) and GetParametersByPath. */

const S = "ssm" as const;

function describeParameter(world: World, parameter: ParameterState): object {
  return {
    Name: parameter.name,
    Type: "String",
    Value: parameter.value,
    Version: parameter.version,
    LastModifiedDate: new Date(parameter.lastModifiedMs),
    ARN: parameter.name.startsWith("/aws/service/")
      ? `arn:aws:ssm:${world.region}::parameter${parameter.name}`
      : `arn:aws:ssm:${world.region}:${world.accountId}:parameter${parameter.name.startsWith("/") ? "" : "/"}${parameter.name}`,
    DataType: parameter.value.startsWith("ami-") ? "aws:ec2:image" : "text",
  };
}

export const parameterHandlers: ServiceHandlers = {
  GetParameters(ctx, raw) {
    const input = raw as GetParametersCommandInput;
    const names = input.Names ?? [];
    if (names.length < 1 || names.length > 10) {
      throw validationFault(
        S,
        `1 validation error detected: Value '[${names.join(", ")}]' at 'names' failed to satisfy constraint: Member must have length ${names.length < 1 ? "greater than or equal to 1" : "less than or equal to 10"} (Names takes 1-10 names, got ${names.length})`,
      );
    }
    const found: object[] = [];
    const invalid: string[] = [];
    for (const name of names) {
      const parameter = ctx.world.parameters.get(name);
      if (parameter === undefined) invalid.push(name);
      else found.push(describeParameter(ctx.world, parameter));
    }
    return { Parameters: found, InvalidParameters: invalid };
  },

  GetParameter(ctx, raw) {
    const input = raw as GetParameterCommandInput;
    const parameter = ctx.world.parameters.get(input.Name ?? "");
    if (parameter === undefined)
      throw new ServiceFault("ParameterNotFound", `Parameter ${input.Name ?? ""} not found.`);
    return { Parameter: describeParameter(ctx.world, parameter) };
  },

  GetParametersByPath(ctx, raw) {
    const input = raw as GetParametersByPathCommandInput;
    checkRange(S, "MaxResults", input.MaxResults, 1, 10);
    const path = (input.Path ?? "/").replace(/\/?$/, "/");
    const matching = [...ctx.world.parameters.values()].filter((p) => {
      if (!p.name.startsWith(path)) return false;
      return input.Recursive === true || !p.name.slice(path.length).includes("/");
    });
    const { page, nextToken } = paginate(S, matching, input.MaxResults ?? 10, input.NextToken);
    return {
      Parameters: page.map((p) => describeParameter(ctx.world, p)),
      ...(nextToken !== undefined && { NextToken: nextToken }),
    };
  },
};
