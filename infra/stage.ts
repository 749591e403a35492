/** Picks the stage file: `stacks/<stage>.ts`, or dev's for a stage without its own (personal stages). */
import { type StageConfig, StageConfigSchema } from "@fleet-upgrade/core";

export interface LoadedStage {
  /** The SST stage deployed. */
  stage: string;
  /** The stage file used: the stage's own, or "dev". */
  file: string;
  config: StageConfig;
}

/** How Node, Vite and esbuild's bundled glob imports say a module does not exist. */
const MISSING_MODULE =
  /Cannot find module|Unknown variable dynamic import|not found in bundle|Could not resolve/i;

async function importStage(file: string): Promise<unknown> {
  const module = (await import(`../stacks/${file}.ts`)) as { default?: unknown };
  return module.default;
}

export async function loadStage(stage: string): Promise<LoadedStage> {
  let file = stage;
  let exported: unknown;
  try {
    exported = await importStage(stage);
  } catch (error) {
    // Only a missing file falls back; a stage file that fails validation must stop the deploy.
    if (!MISSING_MODULE.test(String((error as Error).message))) throw error;
    file = "dev";
    exported = await importStage(file);
  }
  return { stage, file, config: StageConfigSchema.parse(exported) };
}
