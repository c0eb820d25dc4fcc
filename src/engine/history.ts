/**
 * Derived views of the ledger and loop state: the incumbent, the trials the proposers learn from, the
 * signals. Nothing here is stored; it is all recomputed from results.tsv and state.json.
 */
import type { LedgerRow } from "../core/ledger.ts";
import { detectSignals, type RunRecord, type Signals } from "../core/signals.ts";
import { estimateNoise, noiseThreshold } from "../core/decide.ts";
import type { CaddieConfig } from "../core/config.ts";
import type { LoopState, TrialRecord } from "./ports.ts";

export interface Incumbent {
  valBpb: number;
  commit: string;
  experiment: string;
}

export function tierRows(rows: LedgerRow[], tier: string): LedgerRow[] {
  return rows.filter((r) => r.tier === tier);
}

/** The best kept result on a tier: the score every candidate must beat. */
export function bestKept(rows: LedgerRow[], tier: string): Incumbent | null {
  let best: Incumbent | null = null;
  for (const r of tierRows(rows, tier)) {
    if (r.status !== "keep" || r.val_bpb === null) continue;
    if (!best || r.val_bpb < best.valBpb)
      best = { valBpb: r.val_bpb, commit: r.commit, experiment: r.experiment };
  }
  return best;
}

/** One record per experiment (seeds averaged), in run order, for the signal rules. */
export function runRecords(rows: LedgerRow[], state: LoopState, tier: string): RunRecord[] {
  const byExperiment = new Map<string, LedgerRow[]>();
  for (const r of tierRows(rows, tier))
    byExperiment.set(r.experiment, [...(byExperiment.get(r.experiment) ?? []), r]);
  return [...byExperiment.entries()].map(([experiment, group]) => {
    const scores = group.map((g) => g.val_bpb).filter((v): v is number => v !== null);
    const first = group[0] as LedgerRow;
    return {
      experiment,
      commit: first.commit,
      valBpb: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null,
      status: first.status,
      direction: state.experiments[experiment]?.direction ?? null,
    };
  });
}

export function trials(rows: LedgerRow[], state: LoopState, tier: string): TrialRecord[] {
  return runRecords(rows, state, tier).map((r) => ({
    experiment: r.experiment,
    description: tierRows(rows, tier).find((row) => row.experiment === r.experiment)?.description ?? "",
    direction: r.direction,
    config: state.experiments[r.experiment]?.config ?? null,
    verdict: r.status,
    valBpb: r.valBpb,
  }));
}

export function signalsFor(rows: LedgerRow[], state: LoopState, config: CaddieConfig, tier: string): Signals {
  return detectSignals(runRecords(rows, state, tier), { minDelta: config.thresholds.minDelta });
}

/** Keep threshold: max(min_delta, k x sigma), sigma from the repeated baseline runs (exp-000 seeds). */
export function keepThreshold(
  rows: LedgerRow[],
  config: CaddieConfig,
  tier: string,
  baselineId: string,
): number {
  const baseline = tierRows(rows, tier)
    .filter((r) => r.experiment === baselineId && r.val_bpb !== null)
    .map((r) => r.val_bpb as number);
  return noiseThreshold({
    minDelta: config.thresholds.minDelta,
    k: config.thresholds.noiseK,
    sigma: estimateNoise(baseline),
  });
}
