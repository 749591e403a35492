import type { ServiceHandlers } from "./common";
import { fleetInformationHandlers } from "./ssm/fleet-information";
import { parameterHandlers } from "./ssm/parameters";
import { runCommandHandlers } from "./ssm/run-command";

/** The simulated Systems Manager: one handler table over its rooms in `./ssm/`. */
export const ssmHandlers: ServiceHandlers = {
  ...parameterHandlers,
  ...fleetInformationHandlers,
  ...runCommandHandlers,
};

export { splitKernel } from "./ssm/fleet-information";
