/**
 * The seed of a training run on GitHub: 1336 + the run's attempt number, so the first attempt trains on
 * seed 1337 (the loop's default) and each re-run of the same commit on a new seed. The experiment
 * workflow's `caddie job train` sets SEED from it; the App reads it back from the attempt, which is how it
 * repeats the baseline for its noise estimate without passing anything through the workflow.
 */
export function runSeed(attempt: number): number {
  return 1336 + attempt;
}
