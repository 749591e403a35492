import { beforeEach, describe, expect, it } from "vitest";
import { planTask } from "../../../src/tasks/plan";
import { groupRecord, RUN_ID, runRecord, type TaskWorld, taskWorld } from "./task-fakes";

let world: TaskWorld;

const template = (name: string, versionSpec: string) => ({
  launchTemplateId: `lt-${name}`,
  launchTemplateName: name,
  versionSpec,
  resolvedVersion: 3,
  imageRef: "ami-0old",
});

/** api and web in the run; `outside` names the groups the account has beyond the run. */
async function seedPlan(outside: { groupName: string; template: string; version: string }[], dryRun = false) {
  const groups = [
    groupRecord("api", { launchTemplate: template("api-lt", "$Latest") }),
    groupRecord("web", { launchTemplate: template("web-lt", "$Latest") }),
  ];
  await world.ledger.putRun(runRecord({ dryRun }, { waves: [] }));
  await world.ledger.putGroups(RUN_ID, groups);
  world.rollout.templateUsers = [
    ...groups.map((g) => ({
      groupName: g.name,
      launchTemplateId: g.launchTemplate.launchTemplateId,
      launchTemplateName: g.launchTemplate.launchTemplateName,
      version: g.launchTemplate.versionSpec,
    })),
    ...outside.map((o) => ({
      groupName: o.groupName,
      launchTemplateId: `lt-${o.template}`,
      launchTemplateName: o.template,
      version: o.version,
    })),
  ];
}

beforeEach(() => {
  world = taskWorld();
});

describe("plan: templates shared beyond the run", () => {
  it.each(["$Latest", "$Default"])(
    "skips a group whose template a group outside the run uses at %s, naming TEMPLATE_SHARED, and never pins it",
    async (version) => {
      await seedPlan([{ groupName: "legacy", template: "api-lt", version }]);

      await planTask({ runId: RUN_ID }, world.deps);

      const api = await world.ledger.getProgress(RUN_ID, "api");
      expect(api.outcome).toBe("SKIPPED");
      expect(api.reason).toMatch(
        /^TEMPLATE_SHARED: launch template api-lt \(lt-api-lt\) is also used by legacy/,
      );
      expect(api.notes).toEqual([]);
      expect((await world.ledger.getProgress(RUN_ID, "web")).outcome).toBe("NOT_STARTED");
      expect(world.rollout.pinned.map((p) => p.groupName)).toEqual(["web"]);
    },
  );

  it("lets a group go ahead when the outside group uses its template at a numbered version", async () => {
    await seedPlan([{ groupName: "legacy", template: "api-lt", version: "2" }]);

    await planTask({ runId: RUN_ID }, world.deps);

    expect((await world.ledger.getProgress(RUN_ID, "api")).outcome).toBe("NOT_STARTED");
    expect(world.rollout.pinned.map((p) => p.groupName)).toEqual(["api", "web"]);
  });

  it("refuses the same way in a dry run, which changes nothing", async () => {
    await seedPlan([{ groupName: "legacy", template: "web-lt", version: "$Latest" }], true);

    await planTask({ runId: RUN_ID }, world.deps);

    expect((await world.ledger.getProgress(RUN_ID, "web")).reason).toContain("TEMPLATE_SHARED");
    expect(world.rollout.pinned).toEqual([]);
  });
});
