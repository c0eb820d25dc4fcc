/**
 * A tier's training budget as the script reads it from its environment: a number of steps (ITERATIONS)
 * or a wall-clock cap in seconds (MAX_WALLCLOCK_SECONDS), the names openai/parameter-golf's scripts and
 * golf_mini use. With ITERATIONS set the budget is in steps, so a result does not depend on what else the
 * machine is doing; a course on steps should set MAX_WALLCLOCK_SECONDS to 0, because both scripts time their
 * warm-down by the cap when there is one, and leave the safety net to the process timeout. Confirmation
 * runs multiply both (a cap of 0 stays 0).
 */
export const STEP_BUDGET_KEY = "ITERATIONS";
export const TIME_BUDGET_KEY = "MAX_WALLCLOCK_SECONDS";

export type BudgetKind = "steps" | "seconds" | "none";

/** Which budget a tier's env sets (values may still hold `${VARIABLES}`). */
export function budgetKind(env: Readonly<Record<string, string>>): BudgetKind {
  if (env[STEP_BUDGET_KEY] !== undefined) return "steps";
  if (env[TIME_BUDGET_KEY] !== undefined) return "seconds";
  return "none";
}

/**
 * The env with its budget multiplied by `factor` (expanded values only). Steps round up to whole steps;
 * a cap of 0 (none) stays 0; a value that is not a number is left for the script to refuse.
 */
export function scaleBudget(env: Readonly<Record<string, string>>, factor: number): Record<string, string> {
  if (!(factor > 0) || !Number.isFinite(factor))
    throw new RangeError(`scaleBudget: factor must be > 0, got ${factor}`);
  const out = { ...env };
  for (const key of [STEP_BUDGET_KEY, TIME_BUDGET_KEY]) {
    const text = out[key];
    const value = Number(text);
    if (text === undefined || text.trim() === "" || !Number.isFinite(value)) continue;
    out[key] = key === STEP_BUDGET_KEY ? String(Math.ceil(value * factor)) : String(value * factor);
  }
  return out;
}
