/**
 * Derived views of the ledger and loop state: the incumbent, the trials the proposers learn from, the
 * signals. Nothing here is stored; it is all recomputed from results.tsv and state.json.
 */
import type { LedgerRow } from "../core/ledger.ts";
import { detectSignals, type RunRecord, type Signals } from "../core/signals.ts";
import type { Sample } from "../core/keep-rule.ts";
import type { CaddieConfig } from "../core/config.ts";
import type { LoopState, TrialRecord } from "./ports.ts";

export interface Incumbent {
  /** Mean over the experiment's scored runs on the tier. */
  valBpb: number;
  commit: string;
  experiment: string;
  /** How many runs the mean rests on. */
  runs: number;
}

export function tierRows(rows: LedgerRow[], tier: string): LedgerRow[] {
  return rows.filter((r) => r.tier === tier);
}

/**
 * The incumbent: the kept experiment with the best mean over its scored runs on the tier. A mean, not the
 * best single run: re-running a kept experiment on new seeds undoes the luck that got it kept (the bias
 * of a running minimum), and a re-run that shows an earlier keep was better moves the incumbent back.
 */
export function bestKept(rows: LedgerRow[], tier: string): Incumbent | null {
  let best: Incumbent | null = null;
  for (const [experiment, group] of keptGroups(rows, tier)) {
    const scores = group.map((r) => r.val_bpb as number);
    const valBpb = scores.reduce((a, b) => a + b, 0) / scores.length;
    const first = group[0] as LedgerRow;
    if (!best || valBpb < best.valBpb)
      best = { valBpb, commit: first.commit, experiment, runs: scores.length };
  }
  return best;
}

/** Scored rows of each kept experiment on a tier, in ledger order. */
export function keptGroups(rows: LedgerRow[], tier: string): Map<string, LedgerRow[]> {
  const groups = new Map<string, LedgerRow[]>();
  for (const r of tierRows(rows, tier)) {
    if (r.status !== "keep" || r.val_bpb === null) continue;
    groups.set(r.experiment, [...(groups.get(r.experiment) ?? []), r]);
  }
  return groups;
}

/** An experiment's scored runs on a tier as samples (seed, val_bpb), crashes left out. */
export function samplesOf(rows: LedgerRow[], tier: string, experiment: string): Sample[] {
  return tierRows(rows, tier)
    .filter((r) => r.experiment === experiment && r.status !== "crash" && r.val_bpb !== null)
    .map((r) => ({ seed: r.seed, valBpb: r.val_bpb as number }));
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
