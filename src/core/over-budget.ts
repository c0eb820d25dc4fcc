/**
 * The tier's time budget, checked from outside the run: a training loop that ran past it got more
 * compute than every other experiment, so its score is not comparable. Two witnesses: the log's own train
 * time (a run that ignored its cap says so itself), and the wall time caddie measured for the training
 * phase (a run that lies about its clock still takes the time). The hard limit is the timeout, which
 * kills the whole process group; this is the flag for everything short of it.
 */
import type { Flag } from "./flags.ts";
import type { RunTiming } from "./run-timing.ts";

export interface BudgetLimits {
  /** The training-loop budget (`MAX_WALLCLOCK_SECONDS` of the tier); null: no budget, no flag. */
  budgetSeconds: number | null;
  /** Allowed whole-process wall seconds beyond the budget (start-up, compile, evaluation); null: unchecked. */
  overheadSeconds: number | null;
}

const s = (x: number) => `${x.toFixed(1)} s`;

/**
 * The log's clock may overshoot by the step that crossed the cap (two average steps, at least 2 s or
 * 5%); the wall-clock training phase also holds periodic evaluations, so it gets half the budget or a
 * minute on top, whichever is more.
 */
export function overBudget(timing: RunTiming, limits: BudgetLimits): Flag | null {
  const budget = limits.budgetSeconds;
  if (budget === null || !(budget > 0)) return null;
  const loop = timing.trainLoopSeconds;
  if (loop !== null) {
    const stepAvg = timing.steps ? loop / timing.steps : 0;
    const slack = Math.max(2, 0.05 * budget, 2 * stepAvg);
    if (loop > budget + slack)
      return {
        code: "over_budget",
        message: `over budget: the log's own train time is ${s(loop)}, the budget ${s(budget)}`,
      };
  }
  const phase = timing.phases.training;
  if (phase > budget + Math.max(60, 0.5 * budget))
    return {
      code: "over_budget",
      message: `over budget: the training loop ran ${s(phase)} of wall time for a ${s(budget)} budget`,
    };
  if (limits.overheadSeconds !== null && timing.wallSeconds > budget + limits.overheadSeconds)
    return {
      code: "over_budget",
      message: `over budget: the run took ${s(timing.wallSeconds)}, more than the ${s(budget)} budget plus ${s(limits.overheadSeconds)} for start-up and evaluation`,
    };
  return null;
}
