/**
 * Run-to-run noise of a tier, measured from repeated runs of the same code (never assumed).
 *
 * The statistics, and why:
 * - sigma is the pooled within-commit standard deviation: for every commit run more than once on the tier
 *   (different seeds, same code), the squared deviations from that commit's own mean, summed over commits,
 *   divided by the degrees of freedom sum(n - 1). Each group's spread is noise alone (the code is the
 *   same), and pooling across the line's kept commits gives more degrees of freedom than any one of them.
 * - A candidate is compared through the difference of two means, mean(incumbent) - mean(candidate), whose
 *   standard deviation under a common sigma is sigma x sqrt(1/n_candidate + 1/n_incumbent).
 * - sigma itself is an estimate from few runs: with one degree of freedom it is below a third of the true
 *   value about a quarter of the time. So `k` (a z-score, 2 by default) is turned into the Student-t
 *   quantile at the same one-sided level with the pooled degrees of freedom: the chance that a change
 *   with no effect is kept stays at 1 - Phi(k) (2.3% for k = 2) however few runs sigma rests on. Few runs
 *   make the bar high (13.97 sd at one degree of freedom, 4.53 at two, 2.33 at thirty), which is the
 *   honest price of not knowing the noise yet.
 */
import type { LedgerRow } from "./ledger.ts";
import { normalCdf, studentTQuantile } from "./statistics.ts";

export interface NoiseEstimate {
  /** Pooled within-commit standard deviation; null without any commit run twice. */
  sigma: number | null;
  /** Degrees of freedom: sum over commits of (runs - 1). */
  df: number;
  /** Runs the estimate rests on (those of commits run at least twice). */
  runs: number;
}

/** Pooled standard deviation of groups of repeated runs; groups of one add nothing. */
export function pooledNoise(groups: readonly (readonly number[])[]): NoiseEstimate {
  let squares = 0;
  let df = 0;
  let runs = 0;
  for (const group of groups) {
    const values = group.filter((v) => Number.isFinite(v));
    if (values.length < 2) continue;
    // Two passes (mean, then squared deviations) stay accurate when scores agree to many digits.
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
    for (const v of values) squares += (v - mean) ** 2;
    df += values.length - 1;
    runs += values.length;
  }
  return { sigma: df === 0 ? null : Math.sqrt(squares / df), df, runs };
}

/** Standard deviation of mean(a) - mean(b) for independent means of n_a and n_b runs with sd sigma. */
export function sdOfDifference(sigma: number, nA: number, nB: number): number {
  if (!(nA >= 1) || !(nB >= 1))
    throw new RangeError(`sdOfDifference: run counts must be >= 1, got ${nA}, ${nB}`);
  return sigma * Math.sqrt(1 / nA + 1 / nB);
}

/**
 * How many standard deviations a gain must clear: the Student-t quantile at the one-sided level a z-score
 * of k has under a normal, with df degrees of freedom (k itself when df is infinite).
 */
export function criticalValue(k: number, df: number): number {
  if (!Number.isFinite(k) || k < 0)
    throw new RangeError(`criticalValue: k must be a finite number >= 0, got ${k}`);
  if (!(df > 0)) throw new RangeError(`criticalValue: df must be > 0, got ${df}`);
  if (k === 0) return 0;
  if (df === Infinity) return k;
  return studentTQuantile(normalCdf(k), df);
}

/** Scored runs of each kept experiment on a tier, by experiment: the groups noise is pooled over. */
export function keptRunGroups(rows: readonly LedgerRow[], tier: string): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (const r of rows) {
    if (r.tier !== tier || r.status !== "keep" || r.val_bpb === null) continue;
    groups.set(r.experiment, [...(groups.get(r.experiment) ?? []), r.val_bpb]);
  }
  return groups;
}

/** The tier's noise as the scorecard and the results issue show it: pooled over its kept experiments. */
export function tierNoise(rows: readonly LedgerRow[], tier: string): NoiseEstimate {
  return pooledNoise([...keptRunGroups(rows, tier).values()]);
}

/** "sigma 0.0042 from 5 runs (3 df)" or "no noise estimate yet (no run repeated)". */
export function describeNoise(noise: NoiseEstimate): string {
  if (noise.sigma === null) return "no noise estimate yet (no run repeated)";
  return `sigma ${formatSmall(noise.sigma)} from ${noise.runs} runs (${noise.df} df)`;
}

/** Small scores keep two significant digits instead of rounding to zeros. */
export function formatSmall(value: number): string {
  return value !== 0 && Math.abs(value) < 0.0001 ? value.toPrecision(2) : value.toFixed(4);
}
