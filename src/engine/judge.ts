/**
 * The verdict on a measured experiment against the current ledger: the incumbent is the kept experiment
 * with the best mean on the tier, and the keep rule (src/core/keep-rule.ts) compares means with the noise
 * measured on the tier. One function, so the loop's decision and the App's "would this be kept?" check
 * cannot drift apart. The scores compared are caddie's own; a flagged run is never kept.
 */
import type { CaddieConfig } from "../core/config.ts";
import { decide, type Decision } from "../core/decide.ts";
import { keepRule, type KeepStats, type Sample } from "../core/keep-rule.ts";
import type { LedgerRow } from "../core/ledger.ts";
import { experimentId } from "./experiment-id.ts";
import { bestKept, keptGroups, samplesOf } from "./history.ts";
import type { Measurement } from "./measure-outcome.ts";

export type Judgement =
  | { kind: "decided"; decision: Decision; stats: KeepStats | null }
  | { kind: "pending"; need: "incumbent-run" | "paired-seed"; reason: string; stats: KeepStats | null };

/**
 * Judges a candidate from its latest measurement and all its scored runs so far on the tier (`candidate`,
 * the latest included). A crash, an over-cap artifact or no incumbent yet is decided by the single run;
 * otherwise the keep rule may ask for more runs first (pending).
 */
export function judgeRuns(
  rows: LedgerRow[],
  config: CaddieConfig,
  tier: string,
  m: Measurement,
  candidate: { id: string; samples: Sample[]; extraSeedsLeft: number },
  /** Compare with this kept experiment rather than the tier's best (a confirmation tier). */
  incumbentId?: string,
): Judgement {
  const incumbent =
    incumbentId === undefined
      ? bestKept(rows, tier)
      : bestKept(
          rows.filter((r) => r.experiment === incumbentId),
          tier,
        );
  const scored =
    m.summary.status === "ok" && m.valBpb !== null && m.gate?.ok === true && m.flags.length === 0;
  if (!scored || incumbent === null || candidate.samples.length === 0) {
    const decision = decide({
      status: m.summary.status,
      valBpb: m.valBpb,
      flags: m.flags,
      gateOk: m.gate?.ok ?? false,
      error: m.summary.error,
      incumbent: incumbent?.valBpb ?? null,
      threshold: config.thresholds.minDelta,
      artifactBytes: m.gate?.artifact_bytes ?? null,
      limitBytes: m.gate?.limit ?? config.limitBytes,
    });
    return { kind: "decided", decision, stats: null };
  }
  const otherGroups = [...keptGroups(rows, tier)]
    .filter(([experiment]) => experiment !== incumbent.experiment && experiment !== candidate.id)
    .map(([, group]) => group.map((r) => r.val_bpb as number));
  const rule = keepRule({
    candidate: candidate.samples,
    incumbent: samplesOf(rows, tier, incumbent.experiment),
    otherGroups,
    minDelta: config.thresholds.minDelta,
    k: config.thresholds.noiseK,
    extraSeedsLeft: candidate.extraSeedsLeft,
    incumbentName:
      incumbent.experiment === experimentId(0) ? "the baseline" : `the incumbent ${incumbent.experiment}`,
  });
  if (rule.verdict === "pending")
    return { kind: "pending", need: rule.need, reason: rule.reason, stats: rule.stats };
  return {
    kind: "decided",
    decision: { verdict: rule.verdict, reason: rule.reason, delta: -rule.stats.gain },
    stats: rule.stats,
  };
}

/**
 * The verdict on one measured run with no further runs possible (the App, and "would this be kept?").
 * A verdict that would need more runs is not a keep: it says what is missing.
 */
export function judgeMeasurement(
  rows: LedgerRow[],
  config: CaddieConfig,
  tier: string,
  m: Measurement,
  run: { id: string; seed: number | null } = { id: "", seed: null },
): Decision {
  const samples = m.valBpb === null ? [] : [{ seed: run.seed, valBpb: m.valBpb }];
  const j = judgeRuns(rows, config, tier, m, { id: run.id, samples, extraSeedsLeft: 0 });
  if (j.kind === "decided") return j.decision;
  const incumbent = bestKept(rows, tier);
  const delta = incumbent && m.valBpb !== null ? m.valBpb - incumbent.valBpb : null;
  return { verdict: "discard", reason: `not kept, ${j.reason}`, delta };
}
