/**
 * How long a budget-coupled change must be confirmed at. Confirming at a fixed multiple of the proxy is
 * not enough when the knob itself is longer than the run: at a 30 s proxy of ~83 steps, WARMDOWN_ITERS
 * 1200 -> 200 still "wins" at 4x (~330 steps), because 1200 is still most of the run there. So the factor
 * is the configured one (4x by default) or more: enough that every step-count value the change touches
 * takes at most `knobShare` of the confirmation run (a quarter by default), as a warm-down does in a
 * full run. Beyond `maxFactor` the change cannot be confirmed locally and is not kept: the full tier
 * (/promote) is where it can be judged.
 */

export interface ConfirmationBudgetInput {
  /** Step-count values of the changed knobs (budget-coupling.ts stepValues). */
  stepValues: readonly number[];
  /** Steps the proxy run trained (from its log); null when unknown. */
  proxySteps: number | null;
  factor: number;
  maxFactor: number;
  knobShare: number;
}

export interface ConfirmationBudget {
  /** Multiple of the proxy budget to confirm at. */
  factor: number;
  feasible: boolean;
  /** Steps the confirmation run must reach for the knobs to fit; null when no step-count knob changed. */
  neededSteps: number | null;
  reason: string;
}

export function confirmationBudget(input: ConfirmationBudgetInput): ConfirmationBudget {
  const { factor, maxFactor, knobShare } = input;
  if (!(factor >= 1) || !(maxFactor >= factor) || !(knobShare > 0 && knobShare <= 1))
    throw new RangeError(`confirmationBudget: need 1 <= factor <= maxFactor and 0 < knobShare <= 1`);
  const longest = input.stepValues.length ? Math.max(...input.stepValues) : null;
  if (longest === null || input.proxySteps === null || !(input.proxySteps > 0)) {
    const why = longest === null ? "no step-count value changed" : "the proxy's step count is unknown";
    return {
      factor,
      feasible: true,
      neededSteps: null,
      reason: `confirm at ${factor}x the proxy budget (${why})`,
    };
  }
  const neededSteps = Math.ceil(longest / knobShare);
  const wanted = Math.max(factor, Math.ceil(neededSteps / input.proxySteps));
  const share = `${Math.round(knobShare * 100)}%`;
  if (wanted > maxFactor) {
    return {
      factor: wanted,
      feasible: false,
      neededSteps,
      reason:
        `a length of ${longest} steps needs a run of at least ${neededSteps} steps to be ${share} of it, ` +
        `${wanted}x the proxy's ${input.proxySteps} steps, beyond the ${maxFactor}x the confirmation allows`,
    };
  }
  return {
    factor: wanted,
    feasible: true,
    neededSteps,
    reason: `confirm at ${wanted}x the proxy budget (~${wanted * input.proxySteps} steps, so ${longest} steps is at most ${share} of the run)`,
  };
}
