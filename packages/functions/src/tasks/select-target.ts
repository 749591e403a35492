import {
  type Architecture,
  imageParameterName,
  type Target,
  TargetImageNotFoundError,
} from "@fleet-upgrade/core";
import { z } from "zod";
import { imageCatalog } from "../runtime/adapters";
import { type Task, taskHandler } from "../runtime/lambda";
import { loadRun } from "./shared/load-run";
import { RunStateSchema } from "./shared/state";

const InputSchema = RunStateSchema.extend({ architectures: z.array(z.enum(["x86_64", "arm64"])) });

/** Resolves the public AL2023 image per architecture in use (or checks the pinned one). */
export const selectTargetTask: Task<unknown, z.infer<typeof InputSchema>> = async (event, deps) => {
  const state = InputSchema.parse(event);
  const { request } = await loadRun(deps, state.runId);
  const images: Target["images"] = [];
  if (request.image.imageId !== null) {
    const pinned = request.image.imageId;
    const [image] = await deps.catalog.describeImages([pinned]);
    if (!image) throw new TargetImageNotFoundError(`image.imageId: ${pinned} does not exist in this region`);
    const other = state.architectures.filter((a) => a !== image.architecture);
    if (other.length > 0) {
      throw new TargetImageNotFoundError(
        `image.imageId: ${pinned} is ${image.architecture}, but targeted groups run ${other.join(", ")}; pin no image or target one architecture`,
      );
    }
    images.push({
      architecture: image.architecture,
      sourceImageId: image.imageId,
      sourceImageName: image.name,
      imageId: image.imageId,
    });
  } else {
    const names = new Map<Architecture, string>(
      state.architectures.map((a) => [a, imageParameterName(request.image.kernel, request.image.flavor, a)]),
    );
    const values = await deps.catalog.getParameters([...names.values()]);
    const missing = [...names.values()].filter((name) => !values[name]);
    if (missing.length > 0) {
      throw new TargetImageNotFoundError(
        `no public AL2023 image parameter ${missing.join(", ")} in this region`,
      );
    }
    const found = await deps.catalog.describeImages([...new Set(Object.values(values))]);
    for (const [architecture, name] of names) {
      const image = found.find((i) => i.imageId === values[name]);
      if (!image)
        throw new TargetImageNotFoundError(
          `${name} points at ${values[name]}, which DescribeImages does not know`,
        );
      images.push({
        architecture,
        sourceImageId: image.imageId,
        sourceImageName: image.name,
        imageId: image.imageId,
      });
    }
  }
  const target: Target = { kernel: request.image.kernel, kernelVersion: null, images };
  await deps.ledger.updateRun(state.runId, (run) => ({ ...run, target }));
  deps.logger.info("target selected", { images: images.map((i) => `${i.architecture}:${i.sourceImageId}`) });
  return state;
};

export const handler = taskHandler("selectTarget", selectTargetTask, { catalog: imageCatalog });
