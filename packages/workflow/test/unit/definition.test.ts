import { getLanguageService } from "amazon-states-language-service";
import validator from "asl-validator";
import { describe, expect, it } from "vitest";
import { TextDocument } from "vscode-languageserver-textdocument";
import { buildDefinition, buildReconcileDefinition } from "../../src/definition";
import { localFunctionArns, TASK_FUNCTIONS } from "../../src/task-names";

const arns = localFunctionArns();
const definition = buildDefinition(arns);

function allStates(states: Record<string, Record<string, unknown>>): [string, Record<string, unknown>][] {
  const out: [string, Record<string, unknown>][] = [];
  for (const [name, state] of Object.entries(states)) {
    out.push([name, state]);
    const processor = state.ItemProcessor as { States: Record<string, Record<string, unknown>> } | undefined;
    if (processor) out.push(...allStates(processor.States));
  }
  return out;
}

describe("the state machine definition", () => {
  it("has no findings from asl-validator with path and ARN checks", () => {
    const result = validator(structuredClone(definition), { checkPaths: true, checkArn: true });
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it("has no findings from the AWS Toolkit's states language service", async () => {
    const service = getLanguageService({});
    const text = JSON.stringify(definition, null, 2);
    const document = TextDocument.create("file:///fleet-upgrade.asl.json", "json", 1, text);
    const diagnostics = await service.doValidation(document, service.parseJSONDocument(document));
    expect(diagnostics.map((d) => `${d.range.start.line}: ${d.message}`)).toEqual([]);
  });

  it("gives every Task an explicit timeout, Lambda and throttling retries", () => {
    const tasks = allStates(definition.States).filter(([, s]) => s.Type === "Task");
    expect(tasks.length).toBeGreaterThan(10);
    for (const [name, state] of tasks) {
      expect(state.TimeoutSeconds ?? state.TimeoutSecondsPath, name).toBeDefined();
      const retried = (state.Retry as { ErrorEquals: string[] }[]).flatMap((r) => r.ErrorEquals);
      expect(retried, name).toContain("Lambda.ServiceException");
      expect(retried, name).toContain("ThrottlingException");
    }
  });

  it("catches every error of every Task, the failure recorders and Finish included", () => {
    const uncaught = allStates(definition.States)
      .filter(([, s]) => s.Type === "Task" && !s.Catch)
      .map(([name]) => name);
    expect(uncaught).toEqual([]);
  });

  it("never lets a group fail the Distributed Map: GroupFailed's own failure ends the group quietly", () => {
    const states = Object.fromEntries(allStates(definition.States));
    expect(states.GroupFailed?.Catch).toEqual([
      { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "GroupAbandoned" },
    ]);
    expect(states.GroupAbandoned?.Type).toBe("Succeed");
    expect(states.Groups?.ToleratedFailurePercentage).toBe(100);
  });

  it("takes Finish and every failure to the reconcile loop, which waits until nothing runs", () => {
    const states = definition.States;
    expect(states.Finish?.Catch).toEqual([
      { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "RecordFailure" },
    ]);
    expect(states.RecordFailure?.Parameters).toMatchObject({ FunctionName: arns.reconcile });
    expect(states.RecordFailureSettled?.Default).toBe("RunFailed");
    expect(states.RecordFailureWait?.Type).toBe("Wait");
  });

  it("builds a reconcile state machine with no findings from either validator", async () => {
    const reconcile = buildReconcileDefinition(arns);
    const result = validator(structuredClone(reconcile), { checkPaths: true, checkArn: true });
    expect(result.errors).toEqual([]);
    const service = getLanguageService({});
    const document = TextDocument.create("file:///r.asl.json", "json", 1, JSON.stringify(reconcile, null, 2));
    const diagnostics = await service.doValidation(document, service.parseJSONDocument(document));
    expect(diagnostics.map((d) => d.message)).toEqual([]);
    expect(Object.values(reconcile.States).filter((s) => s.Type === "Task" && !s.Catch)).toEqual([]);
  });

  it("calls exactly the given function ARNs, each task function at least once", () => {
    const called = new Set(
      allStates(definition.States)
        .map(([, s]) => (s.Parameters as { FunctionName?: string } | undefined)?.FunctionName)
        .filter((name): name is string => typeof name === "string"),
    );
    const all = new Set([...called, arns.reconcile]);
    expect([...all].sort()).toEqual(TASK_FUNCTIONS.map((fn) => arns[fn]).sort());
  });

  it("judges readiness after the inventory and before the bake, in pages, and fails the run on refusal before any change", () => {
    const states = definition.States as Record<string, Record<string, unknown>>;
    expect(states.Inventory?.Next).toBe("InventoryPaged");
    expect(states.InventoryPaged?.Default).toBe("Readiness");
    expect(states.InventoryMore?.Next).toBe("InventoryPaged");
    expect(states.InventoryMore?.Retry).toEqual(states.Inventory?.Retry);
    expect(states.InventoryMore?.Catch).toEqual(states.Inventory?.Catch);
    expect(states.Readiness?.Next).toBe("ReadinessPaged");
    expect(states.ReadinessPaged?.Default).toBe("SelectTarget");
    expect(states.ReadinessMore?.Next).toBe("ReadinessPaged");
    for (const name of ["Readiness", "ReadinessMore"]) {
      expect(states[name]?.Retry, name).toEqual(states.Inventory?.Retry);
      expect(states[name]?.Catch, name).toEqual([
        { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "RecordFailure" },
      ]);
    }
  });

  it("waits for refreshes with a task token and polls when the wait times out", () => {
    const wait = allStates(definition.States).find(([name]) => name === "WaitForRefresh")?.[1];
    expect(wait?.Resource).toBe("arn:aws:states:::lambda:invoke.waitForTaskToken");
    expect(wait?.TimeoutSecondsPath).toBe("$.pollAfterSeconds");
    expect(wait?.Catch).toContainEqual({
      ErrorEquals: ["States.Timeout"],
      ResultPath: "$.timeout",
      Next: "PollRefresh",
    });
  });

  it("runs waves one at a time and groups up to maxParallelGroups", () => {
    const waves = definition.States.Waves as { MaxConcurrency: number };
    expect(waves.MaxConcurrency).toBe(1);
    const groups = allStates(definition.States).find(([name]) => name === "Groups")?.[1];
    expect(groups?.MaxConcurrencyPath).toBe("$.maxParallelGroups");
    // Each group is a child execution: the run's own history stays small at 1,000 groups.
    expect((groups?.ItemProcessor as { ProcessorConfig?: unknown } | undefined)?.ProcessorConfig).toEqual({
      Mode: "DISTRIBUTED",
      ExecutionType: "STANDARD",
    });
  });
});
