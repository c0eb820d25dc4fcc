/**
 * Step 3 of an experiment: decide keep / discard / crash from our own measurement, move the forge, and
 * record the run in results.tsv, state and notes.md. Every write is an idempotent upsert by key, so a
 * settle interrupted half-way and run again leaves the same state.
 */
import type { Decision } from "../core/decide.ts";
import { stepMs } from "../core/machine-load.ts";
import { upsertLedgerRow, type LedgerRow } from "../core/ledger.ts";
import { formatAnalysis, formatReasoning, parseNotes, recordRun, renderNotes } from "../core/notes.ts";
import type { RunLogSummary } from "../core/parse-run-log.ts";
import type { ArtifactGateResult } from "../core/artifact-gate.ts";
import type { LoopDeps } from "./loop-deps.ts";
import { bestKept, samplesOf, signalsFor } from "./history.ts";
import { judgeMeasurement } from "./judge.ts";
import { measuredRowFields } from "./measure-outcome.ts";
import type { MeasuredRun } from "./earn-verdict.ts";
import type { Analysis, Proposal } from "./ports.ts";

export interface SettleInput {
  id: string;
  index: number;
  commit: string;
  proposal: Proposal;
  summary: RunLogSummary;
  gate: ArtifactGateResult | null;
  seconds: number;
  seed: number | null;
  /** Baseline runs are the line itself: always kept, never moved in the forge. */
  baseline?: boolean;
  /** The verdict when the loop earned it with more runs (earn-verdict.ts); else judged from this run. */
  decision?: Decision;
  /** The candidate's runs after this one (paired seeds, confirmation), recorded with the verdict. */
  extraRuns?: MeasuredRun[];
  /** The kind of change, kept in the loop state for the tier correlation by class. */
  changeClass?: string;
  /** A fact about the change the analysis must know (it is budget-coupled). */
  changeNote?: string | null;
  tierGain?: { tier: string; proxyGain: number; gain: number } | null;
}

export interface Settled {
  decision: Decision;
  row: LedgerRow;
  analysis: Analysis;
}

export async function settleRun(deps: LoopDeps, input: SettleInput, signal?: AbortSignal): Promise<Settled> {
  const tier = deps.tier ?? "proxy";
  const rows = await deps.store.readLedger();
  const incumbent = bestKept(rows, tier);
  const measurement = { summary: input.summary, gate: input.gate };
  const baselineOk =
    input.summary.status === "ok" && input.gate?.ok !== false && input.summary.val_bpb !== null;
  const decision: Decision = !input.baseline
    ? (input.decision ??
      judgeMeasurement(rows, deps.config, tier, measurement, { id: input.id, seed: input.seed }))
    : baselineOk
      ? { verdict: "keep", reason: "baseline: the score every experiment must beat", delta: null }
      : {
          verdict: "crash",
          reason: `the baseline crashed: ${input.summary.error ?? "no score"}`,
          delta: null,
        };
  // The baseline needs no model call: there is no hypothesis to judge yet.
  const analysis: Analysis = input.baseline
    ? {
        result: `val_bpb=${input.summary.val_bpb ?? "none"} artifact=${input.gate?.artifact_bytes ?? "?"} bytes (${decision.verdict})`,
        vsExpected: "the reference point",
        why: decision.reason,
        lesson: "Every experiment is compared with this score.",
      }
    : await deps.proposer.analyse(
        {
          proposal: input.proposal,
          summary: input.summary,
          verdict: decision.verdict,
          reason: decision.reason,
          incumbent: incumbent?.valBpb ?? null,
          artifactBytes: input.gate?.artifact_bytes ?? null,
          changeNote: input.changeNote ?? null,
        },
        signal,
      );

  if (!input.baseline) {
    if (decision.verdict === "keep") await deps.forge.keep({ id: input.id, commit: input.commit });
    else await deps.forge.discard({ id: input.id, commit: input.commit });
  }

  const row: LedgerRow = {
    experiment: input.id,
    commit: input.commit,
    tier,
    seed: input.seed,
    ...measuredRowFields(measurement, input.seconds),
    status: decision.verdict,
    promoted: false,
    cost_usd: null,
    description: input.proposal.description,
  };
  let newRows = upsertLedgerRow(rows, row);
  for (const run of input.extraRuns ?? []) {
    const scored = run.measurement.summary.status === "ok" && run.measurement.summary.val_bpb !== null;
    newRows = upsertLedgerRow(newRows, {
      ...row,
      tier: run.spec.tier,
      seed: run.spec.seed,
      ...measuredRowFields(run.measurement, run.seconds),
      status: scored ? decision.verdict : "crash",
    });
  }
  await deps.store.writeLedger(newRows);

  const state = await deps.store.readState();
  const stepTimes = { ...state.experiments[input.id]?.stepMs };
  for (const [runTier, summary] of [
    [tier, input.summary] as const,
    ...(input.extraRuns ?? []).map((r) => [r.spec.tier, r.measurement.summary] as const),
  ]) {
    const ms = stepMs(summary);
    if (ms !== null) stepTimes[runTier] = [...(stepTimes[runTier] ?? []), ms];
  }
  state.experiments[input.id] = {
    direction: input.proposal.direction,
    config: input.proposal.config ?? null,
    commit: input.commit,
    ...(input.changeClass ? { changeClass: input.changeClass } : {}),
    ...(input.tierGain ? { tierGain: input.tierGain } : {}),
    ...(Object.keys(stepTimes).length ? { stepMs: stepTimes } : {}),
  };
  state.counter = Math.max(state.counter, input.index);
  await deps.store.writeState(state);

  const best = bestKept(newRows, tier);
  const notes = recordRun(parseNotes(await deps.store.readNotes()), {
    index: input.index,
    experiment: input.id,
    commit: input.commit,
    description: input.proposal.description,
    direction: input.proposal.direction,
    verdict: decision.verdict,
    valBpb: meanOf(samplesOf(newRows, tier, input.id)) ?? input.summary.val_bpb,
    delta: decision.delta,
    artifactBytes: row.artifact_bytes,
    reasoning: formatReasoning(input.proposal.reasoning),
    analysis: formatAnalysis(analysis),
    bestValBpb: best?.valBpb ?? null,
    bestCommit: best?.commit ?? null,
    deadEnds: signalsFor(newRows, state, deps.config, tier).deadEnds,
  });
  await deps.store.writeNotes(renderNotes(notes));
  return { decision, row, analysis };
}

function meanOf(samples: { valBpb: number }[]): number | null {
  return samples.length ? samples.reduce((sum, s) => sum + s.valBpb, 0) / samples.length : null;
}
