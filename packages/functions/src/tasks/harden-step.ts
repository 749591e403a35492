import {
  HardeningFailedError,
  hardeningSettingsKey,
  judgeCompliance,
  MANAGED_TAG_KEY,
  managedTagValueOf,
  type RunRequest,
  STIG_DOCUMENT_NAME,
} from "@fleet-upgrade/core";
import { z } from "zod";
import { imageCatalog, imageHardener } from "../runtime/adapters";
import type { FunctionDeps } from "../runtime/deps";
import { TargetImageMissingError } from "../runtime/errors";
import { type Task, taskHandler } from "../runtime/lambda";
import { complianceOf } from "./shared/health-support";
import { loadRun } from "./shared/load-run";

const InputSchema = z.looseObject({ runId: z.string(), architecture: z.enum(["x86_64", "arm64"]) });

const CommandStepSchema = z.enum(["stig", "fips", "verify"]);
type CommandStep = z.infer<typeof CommandStepSchema>;

/** Where one architecture's bake stands; kept in the ledger so every call advances it by one step. */
const BakeSchema = z.object({
  phase: z.enum(["builder", "command", "image", "done"]),
  builderId: z.string().nullable(),
  command: CommandStepSchema.nullable(),
  commandId: z.string().nullable(),
  imageId: z.string().nullable(),
  kernelVersion: z.string().nullable(),
});
type Bake = z.infer<typeof BakeSchema>;

/** First wait after starting each step, then short polls: typical durations, not promises. */
const FIRST_WAIT: Record<"builder" | CommandStep | "image", number> = {
  builder: 60,
  stig: 300,
  fips: 60,
  verify: 2,
  image: 120,
};
const POLL: Record<"builder" | CommandStep | "image", number> = {
  builder: 15,
  stig: 30,
  fips: 15,
  verify: 2,
  image: 30,
};

/** `step`: what just began, for a live display (absent when nothing new began). */
type Output = { runId: string; architecture: string; done: boolean; waitSeconds: number; step?: string };

function commandsFor(request: RunRequest): CommandStep[] {
  const steps: CommandStep[] = [];
  if (request.hardening.stig !== "off") steps.push("stig");
  if (request.hardening.fips) steps.push("fips");
  steps.push("verify");
  return steps;
}

function documentOf(step: CommandStep, deps: FunctionDeps): string {
  if (step === "stig") return STIG_DOCUMENT_NAME;
  return step === "fips" ? deps.settings.documents.fips : deps.settings.documents.verify;
}

/** STIG at the requested level; the builder's verify run records that level in the image. */
function parametersOf(step: CommandStep, request: RunRequest): Record<string, string[]> {
  const level = request.hardening.stig;
  const capitalised = level.charAt(0).toUpperCase() + level.slice(1);
  if (step === "stig") return { Level: [capitalised], InstallPackages: ["No"], SetDoDConsentBanner: ["Yes"] };
  if (step === "verify") return { RecordStigLevel: [level === "off" ? "None" : capitalised] };
  return {};
}

/** Sends the step's document once: a retry finds the command its earlier attempt sent. */
async function sendOnce(
  deps: FunctionDeps,
  request: RunRequest,
  runId: string,
  instanceId: string,
  step: CommandStep,
) {
  const documentName = documentOf(step, deps);
  const comment = `fleet-upgrade ${runId} ${step}`.slice(0, 100);
  const earlier = await deps.hardener.findCommand({ documentName, instanceId, comment });
  if (earlier) return earlier;
  return deps.hardener.sendCommand({
    documentName,
    instanceId,
    parameters: parametersOf(step, request),
    comment,
  });
}

/**
 * Advances the bake of one architecture by one step: reuse an existing hardened image, or launch
 * a builder, run STIG, FIPS and verify documents, create the image, terminate the builder. Returns
 * how long to wait before the next call. A failure terminates the builder and ends the run before
 * any group is touched.
 */
export const hardenStepTask: Task<unknown, Output> = async (event, deps) => {
  const { runId, architecture } = InputSchema.parse(event);
  const { run, request } = await loadRun(deps, runId);
  const source = run.target?.images.find((i) => i.architecture === architecture);
  if (!source) throw new TargetImageMissingError(runId, architecture);
  const stepKey = `harden-${architecture}`;
  const settingsKey = hardeningSettingsKey(request);
  let bake = await deps.ledger.getStep(runId, stepKey, BakeSchema);
  const reply = (done: boolean, waitSeconds: number, step?: string): Output => ({
    runId,
    architecture,
    done,
    waitSeconds,
    ...(step ? { step } : {}),
  });
  const save = async (next: Bake) => {
    bake = next;
    await deps.ledger.putStep(runId, stepKey, next);
  };
  const fail = async (message: string, current: Bake): Promise<never> => {
    if (current.builderId) await deps.hardener.terminate(current.builderId);
    await save({ ...current, phase: "done" });
    throw new HardeningFailedError(`hardening ${architecture} from ${source.sourceImageId}: ${message}`);
  };
  const finish = async (imageId: string, kernelVersion: string | null) => {
    await deps.ledger.updateRun(runId, (r) => ({
      ...r,
      target: r.target && {
        ...r.target,
        kernelVersion: r.target.kernelVersion ?? kernelVersion,
        images: r.target.images.map((i) => (i.architecture === architecture ? { ...i, imageId } : i)),
      },
    }));
  };

  if (!bake) {
    const reuse = await deps.catalog.findOwnImages({
      "fleet-upgrade:source": source.sourceImageId,
      "fleet-upgrade:settings": settingsKey,
    });
    const ready = reuse.find((i) => i.state === "available");
    if (ready) {
      await finish(ready.imageId, ready.tags["fleet-upgrade:kernel-version"] ?? null);
      await save({
        phase: "done",
        builderId: null,
        command: null,
        commandId: null,
        imageId: ready.imageId,
        kernelVersion: null,
      });
      deps.logger.info("reusing hardened image", { imageId: ready.imageId });
      return reply(true, 0, `reusing hardened image ${ready.imageId}`);
    }
    const builderId = await deps.hardener.launchBuilder({
      sourceImageId: source.sourceImageId,
      architecture,
      instanceType: deps.settings.builder.instanceTypes[architecture],
      clientToken: `fu-${runId}-${architecture}`.slice(0, 64),
      instanceProfileName: deps.settings.builder.instanceProfileName,
      subnetId: deps.settings.builder.subnetId,
      tags: {
        Name: `fleet-upgrade builder ${architecture}`,
        "fleet-upgrade:run": runId,
        "fleet-upgrade:role": "builder",
        // IAM lets the task launch, image and terminate only instances tagged so (infra/iam.ts).
        [MANAGED_TAG_KEY]: managedTagValueOf(deps.settings.stage),
      },
    });
    await save({
      phase: "builder",
      builderId,
      command: null,
      commandId: null,
      imageId: null,
      kernelVersion: null,
    });
    return reply(false, FIRST_WAIT.builder, `builder ${builderId} launched from ${source.sourceImageId}`);
  }

  const builderId = bake.builderId;
  switch (bake.phase) {
    case "done":
      return reply(true, 0);
    case "builder": {
      if (!builderId) return fail("the builder instance was never recorded", bake);
      const builder = await deps.hardener.describeBuilder(builderId);
      if (builder.state === "terminated" || builder.state === "shutting-down") {
        return fail(`builder ${builderId} is ${builder.state}`, bake);
      }
      if (builder.state !== "running" || builder.pingStatus !== "Online") return reply(false, POLL.builder);
      const first = commandsFor(request)[0] ?? "verify";
      const commandId = await sendOnce(deps, request, runId, builderId, first);
      await save({ ...bake, phase: "command", command: first, commandId });
      return reply(false, FIRST_WAIT[first], `running ${documentOf(first, deps)} on ${builderId}`);
    }
    case "command": {
      if (!builderId || !bake.command || !bake.commandId)
        return fail("the bake lost track of its command", bake);
      const status = await deps.hardener.getCommandStatus(bake.commandId, builderId);
      if (["Pending", "InProgress", "Delayed"].includes(status.status))
        return reply(false, POLL[bake.command]);
      const documentName = documentOf(bake.command, deps);
      if (status.status !== "Success") {
        const detail = status.stderr.trim().split("\n")[0] ?? "";
        return fail(
          `${documentName} ended ${status.status} on builder ${builderId}${detail ? `: ${detail}` : ""}`,
          bake,
        );
      }
      let kernelVersion = bake.kernelVersion;
      if (bake.command === "verify") {
        const verdict = judgeCompliance(complianceOf(request), status.stdout);
        if (verdict.problem) return fail(`verification failed: ${verdict.problem}`, bake);
        kernelVersion = verdict.kernel;
        const imageId = await deps.hardener.createImage({
          instanceId: builderId,
          name: `fleet-upgrade-${settingsKey}-${source.sourceImageName}`
            .replace(/[^A-Za-z0-9()[\]./\-'@_]/g, "-")
            .slice(0, 128),
          tags: {
            "fleet-upgrade:source": source.sourceImageId,
            "fleet-upgrade:settings": settingsKey,
            "fleet-upgrade:kernel-version": kernelVersion ?? "unknown",
            "fleet-upgrade:run": runId,
          },
        });
        await save({ ...bake, phase: "image", imageId, kernelVersion });
        return reply(
          false,
          FIRST_WAIT.image,
          `verified (kernel ${kernelVersion}); creating image ${imageId}`,
        );
      }
      const steps = commandsFor(request);
      const next = steps[steps.indexOf(bake.command) + 1] ?? "verify";
      const commandId = await sendOnce(deps, request, runId, builderId, next);
      await save({ ...bake, command: next, commandId, kernelVersion });
      return reply(false, FIRST_WAIT[next], `running ${documentOf(next, deps)} on ${builderId}`);
    }
    case "image": {
      if (!bake.imageId) return fail("the bake lost track of its image", bake);
      const [image] = await deps.catalog.describeImages([bake.imageId]);
      if (image?.state === "failed" || image?.state === "invalid")
        return fail(`image ${bake.imageId} is ${image.state}`, bake);
      if (image?.state !== "available") return reply(false, POLL.image);
      if (builderId) await deps.hardener.terminate(builderId);
      await finish(bake.imageId, bake.kernelVersion);
      await save({ ...bake, phase: "done" });
      deps.logger.info("hardened image ready", { imageId: bake.imageId });
      return reply(true, 0, `hardened image ${bake.imageId} ready; builder terminated`);
    }
  }
};

export const handler = taskHandler("hardenStep", hardenStepTask, {
  catalog: imageCatalog,
  hardener: imageHardener,
});
