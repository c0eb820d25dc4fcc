/**
 * Names shared by the bot and the workflows `caddie init` writes into a user's repository: the bot
 * recognises its training runs by the caller workflow's file, and ticks by the dispatch event type.
 */
export const EXPERIMENT_WORKFLOW_FILE = ".github/workflows/caddie-experiment.yml";
export const EXPERIMENT_WORKFLOW_NAME = "caddie experiment";
export const PROMOTE_WORKFLOW_FILE = "caddie-promote.yml";
export const PROMOTE_WORKFLOW_NAME = "caddie promote";
export const TICK_WORKFLOW_FILE = ".github/workflows/caddie-tick.yml";
export const TICK_EVENT = "caddie-tick";

/** True for a run of the experiment workflow (by file when the payload has it, else by name). */
export function isExperimentRun(run: { path?: string | null; name?: string | null }): boolean {
  if (run.path)
    return run.path === EXPERIMENT_WORKFLOW_FILE || run.path.startsWith(`${EXPERIMENT_WORKFLOW_FILE}@`);
  return run.name === EXPERIMENT_WORKFLOW_NAME;
}

/** True for a run of the promotion workflow (by file when the payload has it, else by name). */
export function isPromoteRun(run: { path?: string | null; name?: string | null }): boolean {
  const file = `.github/workflows/${PROMOTE_WORKFLOW_FILE}`;
  if (run.path) return run.path === file || run.path.startsWith(`${file}@`);
  return run.name === PROMOTE_WORKFLOW_NAME;
}

/**
 * The seed of a training run: experiment.yml sets SEED to 1336 + the run's attempt number, so the first
 * attempt trains on seed 1337 (the loop's default) and each re-run of the same commit on a new seed. That
 * is how the App repeats the baseline for its noise estimate without passing anything through the workflow.
 */
export function runSeed(attempt: number): number {
  return 1336 + attempt;
}
