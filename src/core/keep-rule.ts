/**
 * The keep rule for a scored candidate against the incumbent, with the noise measured on the tier (see
 * noise.ts for the statistics). Three answers, each with a sentence that says why:
 *
 * - pending, need "incumbent-run": no commit on the tier has been run twice, so there is no noise estimate
 *   and no threshold; the incumbent (the baseline at first) must be run again on a new seed.
 * - pending, need "paired-seed": the gain lies within one standard deviation of the threshold, where one
 *   more seed can flip the verdict; the candidate earns another seed, paired with the incumbent's (same
 *   seed, so neither side keeps a lucky seed the other did not get), while its extra-seed budget lasts.
 * - keep or discard: keep when the gain in means clears max(min_delta, c x sd of the difference), with c
 *   the Student-t critical value for k at the pooled degrees of freedom.
 */
import {
  criticalValue,
  describeNoise,
  formatSmall,
  pooledNoise,
  sdOfDifference,
  type NoiseEstimate,
} from "./noise.ts";

export interface Sample {
  seed: number | null;
  valBpb: number;
}

export interface KeepRuleInput {
  /** Every scored run of the candidate on this tier. */
  candidate: readonly Sample[];
  /** Every scored run of the incumbent on this tier (at least one). */
  incumbent: readonly Sample[];
  /** Repeated runs of the tier's other kept experiments, pooled into the noise estimate. */
  otherGroups: readonly (readonly number[])[];
  minDelta: number;
  /** The keep bar as a z-score (thresholds.noise_k). */
  k: number;
  /** Paired seeds the candidate may still earn when its gain is near the threshold. */
  extraSeedsLeft: number;
  /** How the reason names the incumbent: "the baseline" or "the incumbent". */
  incumbentName?: string;
}

export interface KeepStats {
  /** mean(incumbent) - mean(candidate): positive is better. */
  gain: number;
  threshold: number;
  /** Standard deviation of the difference of the two means. */
  sd: number;
  critical: number;
  noise: NoiseEstimate;
  candidateRuns: number;
  incumbentRuns: number;
  candidateMean: number;
  incumbentMean: number;
}

export type KeepRuleResult =
  | { verdict: "keep" | "discard"; reason: string; stats: KeepStats }
  | { verdict: "pending"; need: "incumbent-run"; reason: string; stats: null }
  | { verdict: "pending"; need: "paired-seed"; reason: string; stats: KeepStats };

// Scores are decimals parsed from logs: a gain within this of the threshold counts as equal (not better).
const FLOAT_SLACK = 1e-12;

export function keepRule(input: KeepRuleInput): KeepRuleResult {
  const { candidate, incumbent, minDelta, k } = input;
  if (candidate.length === 0 || incumbent.length === 0)
    throw new RangeError("keepRule: the candidate and the incumbent need at least one scored run each");
  if (!Number.isFinite(minDelta) || minDelta < 0)
    throw new RangeError(`keepRule: minDelta must be a finite number >= 0, got ${minDelta}`);
  const incumbentName = input.incumbentName ?? "the incumbent";
  const c = candidate.map((s) => s.valBpb);
  const i = incumbent.map((s) => s.valBpb);
  const noise = pooledNoise([...input.otherGroups, i, c]);
  if (noise.sigma === null) {
    const who = incumbentName === "the baseline" ? "a second baseline" : `a second run of ${incumbentName}`;
    return {
      verdict: "pending",
      need: "incumbent-run",
      reason: `pending: needs ${who} (no run on this tier has been repeated, so there is no noise estimate yet)`,
      stats: null,
    };
  }
  const candidateMean = average(c);
  const incumbentMean = average(i);
  const gain = incumbentMean - candidateMean;
  const sd = sdOfDifference(noise.sigma, c.length, i.length);
  const critical = criticalValue(k, noise.df);
  const threshold = Math.max(minDelta, critical * sd);
  const stats: KeepStats = {
    gain,
    threshold,
    sd,
    critical,
    noise,
    candidateRuns: c.length,
    incumbentRuns: i.length,
    candidateMean,
    incumbentMean,
  };
  const basis = `${runs(c.length)} vs ${runs(i.length)} of ${incumbentName}; threshold max(min_delta ${formatSmall(minDelta)}, ${critical.toFixed(2)} x sd ${formatSmall(sd)}), ${describeNoise(noise)}`;
  const versus = `val_bpb ${bpb(candidateMean)} vs ${incumbentName} ${bpb(incumbentMean)}`;
  if (Math.abs(gain - threshold) <= sd && input.extraSeedsLeft > 0) {
    return {
      verdict: "pending",
      need: "paired-seed",
      reason: `pending: gain ${formatSmall(gain)} is within one sd of the threshold ${formatSmall(threshold)}: one more paired seed (${basis})`,
      stats,
    };
  }
  if (gain > threshold + FLOAT_SLACK) {
    return {
      verdict: "keep",
      reason: `${versus}: better by ${formatSmall(gain)}, above the threshold ${formatSmall(threshold)} (${basis})`,
      stats,
    };
  }
  const how =
    gain > 0
      ? `better by only ${formatSmall(gain)}, within the threshold ${formatSmall(threshold)}`
      : gain === 0
        ? "no change"
        : `worse by ${formatSmall(-gain)}`;
  return { verdict: "discard", reason: `${versus}: ${how} (${basis})`, stats };
}

/**
 * The seed of the candidate's next paired run: the incumbent's first seed the candidate has not run yet,
 * else a new one (the largest seed so far + 1), which the incumbent must then run as well.
 */
export function nextPairedSeed(
  candidate: readonly Sample[],
  incumbent: readonly Sample[],
  fallback: number,
): { seed: number; incumbentToo: boolean } {
  const mine = new Set(candidate.map((s) => s.seed));
  const theirs = incumbent.map((s) => s.seed).filter((s): s is number => s !== null);
  const open = theirs.find((s) => !mine.has(s));
  if (open !== undefined) return { seed: open, incumbentToo: false };
  const seeds = [...theirs, ...candidate.map((s) => s.seed).filter((s): s is number => s !== null)];
  return { seed: seeds.length ? Math.max(...seeds) + 1 : fallback, incumbentToo: true };
}

function average(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function runs(n: number): string {
  return n === 1 ? "1 run" : `${n} runs`;
}

function bpb(value: number): string {
  return value.toFixed(4);
}
