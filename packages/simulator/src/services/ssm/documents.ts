import { FIPS_DOCUMENT_NAME, STIG_DOCUMENT_NAME, VERIFY_DOCUMENT_NAME } from "@fleet-upgrade/core";
import type { CommandState, InstanceState, InvocationState, World } from "../../world";

/** What the simulated SSM documents do on an instance, on the virtual clock. */

export const KNOWN_DOCUMENTS: ReadonlySet<string> = new Set([
  STIG_DOCUMENT_NAME,
  FIPS_DOCUMENT_NAME,
  VERIFY_DOCUMENT_NAME,
  "AWS-RunShellScript",
]);

/** Runs a document on one instance on the virtual clock: Pending -> InProgress -> Success/Failed. */
export function runDocument(
  world: World,
  command: CommandState,
  instance: InstanceState,
  invocation: InvocationState,
): void {
  const h = world.scenario.hardening;
  const start = world.now();
  const begin = (): void => {
    invocation.status = "InProgress";
    invocation.statusDetails = "InProgress";
    invocation.startMs = world.now();
  };
  const end = (
    status: "Success" | "Failed",
    stdout: string,
    stderr = "",
    code = status === "Success" ? 0 : 1,
  ): void => {
    invocation.status = status;
    invocation.statusDetails = status;
    invocation.stdout = stdout;
    invocation.stderr = stderr;
    invocation.responseCode = code;
    invocation.endMs = world.now();
  };
  const alive = (): boolean => instance.state !== "terminated";
  if (instance.ping !== "Online") {
    // The agent is not reachable: the command waits for delivery until its timeout, then ends
    // TimedOut with detail DeliveryTimedOut (Undeliverable is for an instance SSM does not manage):
    // https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html
    world.clock.schedule(
      start + command.timeoutSeconds * 1000,
      () => {
        if (invocation.status !== "Pending") return;
        invocation.status = "TimedOut";
        invocation.statusDetails = "DeliveryTimedOut";
        invocation.endMs = world.now();
      },
      `undeliverable ${command.commandId}`,
    );
    return;
  }
  world.clock.schedule(start, begin, `command start ${command.commandId}`);
  switch (command.documentName) {
    case STIG_DOCUMENT_NAME: {
      const level = (command.parameters.Level?.[0] ?? "High").toLowerCase();
      world.clock.schedule(
        start + h.stigSeconds * 1000,
        () => {
          if (!alive()) return end("Failed", "", "The instance was terminated.", -1);
          if (world.scenario.faults.stigFails) {
            end(
              "Failed",
              "Applying DISA STIG (simulated)...\n",
              `STIG remediation failed: package install of scap-security-guide failed (simulated fault stigFails) at level ${level}.\n`,
            );
            return;
          }
          instance.stig = level;
          end("Success", `Applied DISA STIG ${level} settings (simulated). The instance is compliant.\n`);
        },
        `stig ${command.commandId}`,
      );
      return;
    }
    case FIPS_DOCUMENT_NAME: {
      world.clock.schedule(
        start + h.fipsSeconds * 1000,
        () => {
          if (!alive()) return;
          instance.ping = "ConnectionLost";
        },
        `fips reboot ${command.commandId}`,
      );
      world.clock.schedule(
        start + (h.fipsSeconds + h.rebootSeconds) * 1000,
        () => {
          if (!alive()) return end("Failed", "", "The instance was terminated.", -1);
          instance.ping = "Online";
          instance.lastPingMs = world.now();
          instance.fips = true;
          end("Success", "FIPS mode is enabled.\nRebooted; fips-mode-setup --check: FIPS mode is enabled.\n");
        },
        `fips ${command.commandId}`,
      );
      return;
    }
    case VERIFY_DOCUMENT_NAME: {
      world.clock.schedule(
        start,
        () => {
          const group = instance.groupName === null ? undefined : world.groups.get(instance.groupName);
          const fails = instance.newImage && group?.onNewImage.complianceFails === true;
          const report = {
            fips_enabled: fails ? false : instance.fips,
            kernel: instance.kernelVersion,
            stig: instance.stig,
          };
          end("Success", `${JSON.stringify(report)}\n`);
        },
        `verify ${command.commandId}`,
      );
      return;
    }
    default: {
      const commands = command.parameters.commands ?? [];
      world.clock.schedule(
        start,
        () => {
          const out = commands.some((c) => c.includes("uname -r"))
            ? `${instance.kernelVersion}.${instance.architecture}\n`
            : "";
          end("Success", out);
        },
        `shell ${command.commandId}`,
      );
    }
  }
}
