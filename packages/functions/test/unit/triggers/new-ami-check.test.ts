import "aws-sdk-client-mock-vitest/extend";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { SfnRunStarter, SsmImageCatalog } from "@fleet-upgrade/aws";
import { MemoryLedgerStore } from "@fleet-upgrade/harness/memory-ledger-store";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/runtime/deps";
import { type NewAmiCheckDeps, newAmiCheckHandler } from "../../../src/triggers/new-ami-check";

const X86 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64";
const ARM = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64";
const MACHINE = "arn:aws:states:eu-west-1:111122223333:stateMachine:fleet-upgrade-ci";

const ssm = mockClient(SSMClient);
const sfn = mockClient(SFNClient);

let store: MemoryLedgerStore;
let deps: NewAmiCheckDeps;

function published(values: Record<string, string>): void {
  ssm.on(GetParametersCommand).resolves({
    Parameters: Object.entries(values).map(([Name, Value]) => ({ Name, Value })),
    InvalidParameters: [],
  });
}

const invoke = (event: unknown = { source: "schedule" }) =>
  // biome-ignore lint/suspicious/noExplicitAny: the handler does not read the Lambda context
  newAmiCheckHandler(deps)(event, {} as any);

beforeEach(() => {
  store = new MemoryLedgerStore();
  deps = {
    catalog: new SsmImageCatalog({
      ssm: new SSMClient({ region: "eu-west-1" }),
      ec2: new EC2Client({ region: "eu-west-1" }),
    }),
    store,
    starter: new SfnRunStarter({ sfn: new SFNClient({ region: "eu-west-1" }) }, MACHINE),
    watch: { kernel: "6.1", flavor: "standard", architectures: ["x86_64", "arm64"] },
    startRuns: true,
    now: () => new Date("2026-11-21T09:00:00Z"),
    logger: silentLogger,
  };
  sfn.on(StartExecutionCommand).resolves({ executionArn: `${MACHINE}:x`, startDate: new Date() });
});

afterEach(() => {
  ssm.reset();
  sfn.reset();
});

describe("the new-AMI check", () => {
  it("reads the watched public parameters and records the first images it sees as the baseline", async () => {
    published({ [X86]: "ami-1", [ARM]: "ami-2" });
    expect(await invoke()).toEqual({ outcome: "baseline", executionName: null });
    expect(ssm).toHaveReceivedCommandWith(GetParametersCommand, { Names: [ARM, X86] });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect([...store.items.values()][0]?.data).toMatchObject({ values: { [X86]: "ami-1", [ARM]: "ami-2" } });
  });

  it("starts nothing when the images are the ones seen last", async () => {
    published({ [X86]: "ami-1", [ARM]: "ami-2" });
    await invoke();
    expect(await invoke()).toEqual({ outcome: "unchanged", executionName: null });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it("starts one run named after the new images when an image changes, whichever trigger asks", async () => {
    published({ [X86]: "ami-1", [ARM]: "ami-2" });
    await invoke();
    published({ [X86]: "ami-3", [ARM]: "ami-2" });
    const result = await invoke({ Records: [{ Sns: { Message: "{}" } }] });
    expect(result.outcome).toBe("started");
    expect(result.executionName).toMatch(/^ami-[0-9a-f]{32}$/);
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: MACHINE,
      name: result.executionName ?? "",
      input: JSON.stringify({ reason: "new Amazon Linux 2023 image: al2023-ami-kernel-6.1-x86_64 -> ami-3" }),
    });
    // Seen now: the next check finds nothing new.
    expect(await invoke()).toEqual({ outcome: "unchanged", executionName: null });
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });

  it("treats the same change reported twice (schedule and SNS racing) as one run", async () => {
    published({ [X86]: "ami-1", [ARM]: "ami-2" });
    await invoke();
    const baseline = structuredClone([...store.items.entries()]);
    published({ [X86]: "ami-3", [ARM]: "ami-4" });
    const first = await invoke();
    // The second trigger read the ledger before the first one wrote it: it sees the same change.
    store.items.clear();
    for (const [k, v] of baseline) store.items.set(k, v);
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: "exists", $metadata: {} }));
    const second = await invoke();
    expect(first.outcome).toBe("started");
    expect(second).toEqual({ outcome: "already-started", executionName: first.executionName });
    const names = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(names).toEqual([first.executionName, first.executionName]);
  });

  it("only records new images when the stage does not start runs by itself", async () => {
    published({ [X86]: "ami-1", [ARM]: "ami-2" });
    await invoke();
    deps.startRuns = false;
    published({ [X86]: "ami-3", [ARM]: "ami-2" });
    expect(await invoke()).toEqual({ outcome: "recorded", executionName: null });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it("fails loudly when Step Functions refuses for another reason, leaving the change to the next check", async () => {
    published({ [X86]: "ami-1", [ARM]: "ami-2" });
    await invoke();
    published({ [X86]: "ami-3", [ARM]: "ami-2" });
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));
    await expect(invoke()).rejects.toThrow("denied");
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${MACHINE}:x`, startDate: new Date() });
    expect((await invoke()).outcome).toBe("started");
  });
});
