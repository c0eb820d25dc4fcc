/**
 * What the scorecard and the results issue say about noise: the tier's sigma and the runs it rests on,
 * the threshold a new one-run candidate must clear against the incumbent now, and how many extra runs the
 * verdicts took (paired seeds, re-runs of the incumbent, confirmations at longer budgets).
 */
import type { CaddieConfig } from "../core/config.ts";
import type { LedgerRow } from "../core/ledger.ts";
import {
  criticalValue,
  describeNoise,
  formatSmall,
  sdOfDifference,
  tierNoise,
  type NoiseEstimate,
} from "../core/noise.ts";
import { RERUN_MARK } from "./earn-verdict.ts";
import { bestKept, tierRows } from "./history.ts";

export interface NoiseStatus {
  noise: NoiseEstimate;
  /** The keep threshold for a one-run candidate against the incumbent now; null without a noise estimate. */
  threshold: number | null;
  incumbentRuns: number;
  /** Candidates' runs beyond their first (paired seeds near the threshold). */
  pairedSeeds: number;
  /** Runs of the incumbent after the fact (noise, pairing, every few keeps). */
  incumbentReruns: number;
  /** Budget-coupled keeps confirmed at a longer budget: did the gain hold? */
  confirmations: { experiment: string; tier: string; held: boolean }[];
}

export function noiseStatus(rows: LedgerRow[], config: CaddieConfig, tier: string): NoiseStatus {
  const noise = tierNoise(rows, tier);
  const incumbent = bestKept(rows, tier);
  const incumbentRuns = incumbent?.runs ?? 0;
  const threshold =
    noise.sigma === null || incumbentRuns === 0
      ? null
      : Math.max(
          config.thresholds.minDelta,
          criticalValue(config.thresholds.noiseK, noise.df) * sdOfDifference(noise.sigma, 1, incumbentRuns),
        );
  const mine = tierRows(rows, tier);
  const reruns = mine.filter((r) => r.description.includes(RERUN_MARK)).length;
  const seen = new Set<string>();
  let beyondFirst = 0;
  for (const r of mine) {
    if (r.description.includes(RERUN_MARK) || r.experiment === "exp-000") continue;
    if (seen.has(r.experiment)) beyondFirst++;
    seen.add(r.experiment);
  }
  const confirmations = new Map<string, { experiment: string; tier: string; held: boolean }>();
  for (const r of rows) {
    if (!r.tier.startsWith(`${tier}@`) || r.description.includes(RERUN_MARK)) continue;
    confirmations.set(r.experiment, { experiment: r.experiment, tier: r.tier, held: r.status === "keep" });
  }
  return {
    noise,
    threshold,
    incumbentRuns,
    pairedSeeds: beyondFirst,
    incumbentReruns: reruns,
    confirmations: [...confirmations.values()],
  };
}

/** The status as markdown lines (no heading), the same on the scorecard and the results issue. */
export function renderNoiseStatus(status: NoiseStatus, config: CaddieConfig): string[] {
  const lines = [
    `- Noise: ${describeNoise(status.noise)}.`,
    status.threshold === null
      ? "- Keep threshold: none yet; the first verdict waits for a repeated run (`pending: needs a second baseline`)."
      : `- Keep threshold now: ${formatSmall(status.threshold)} for a one-run candidate against the incumbent's ${status.incumbentRuns} run(s) (max(min_delta ${formatSmall(config.thresholds.minDelta)}, Student-t at noise_k ${config.thresholds.noiseK} x sd of the difference of the means)); up to ${config.thresholds.extraSeeds} paired extra seeds near it.`,
    `- Extra runs for verdicts: ${status.pairedSeeds} paired seed(s), ${status.incumbentReruns} re-run(s) of the incumbent.`,
  ];
  if (status.confirmations.length > 0) {
    const held = status.confirmations.filter((c) => c.held).length;
    lines.push(
      `- Budget-coupled changes confirmed at a longer budget: ${status.confirmations.length} (${held} held: ${status.confirmations.map((c) => `${c.experiment} at ${c.tier} ${c.held ? "held" : "did not hold"}`).join(", ")}).`,
    );
  }
  return lines;
}
