/**
 * Step 3 of an experiment: decide keep / discard / crash from our own measurement, move the forge, and
 * record the run in results.tsv, state and notes.md. Every write is an idempotent upsert by key, so a
 * settle interrupted half-way and run again leaves the same state.
 */
import type { Decision } from "../core/decide.ts";
import { stepMs } from "../core/machine-load.ts";
import { upsertLedgerRow, type LedgerRow } from "../core/ledger.ts";
import { formatAnalysis, formatReasoning, parseNotes, recordRun, renderNotes } from "../core/notes.ts";
import { describeFlags } from "../core/flags.ts";
import type { LoopDeps } from "./loop-deps.ts";
import { bestKept, samplesOf, signalsFor } from "./history.ts";
import { judgeMeasurement } from "./judge.ts";
import { measuredRowFields, type Measurement } from "./measure-outcome.ts";
import type { MeasuredRun } from "./earn-verdict.ts";
import type { Analysis, Proposal } from "./ports.ts";

export interface SettleInput {
  id: string;
  index: number;
  commit: string;
  proposal: Proposal;
  measurement: Measurement;
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
  const measurement = input.measurement;
  const decision: Decision = !input.baseline
    ? (input.decision ??
      judgeMeasurement(rows, deps.config, tier, measurement, { id: input.id, seed: input.seed }))
    : baselineDecision(measurement);
  // The baseline needs no model call: there is no hypothesis to judge yet.
  const analysis: Analysis = input.baseline
    ? {
        result: `val_bpb=${measurement.valBpb ?? "none"} artifact=${measurement.gate?.artifact_bytes ?? "?"} bytes (${decision.verdict})`,
        vsExpected: "the reference point",
        why: decision.reason,
        lesson: "Every experiment is compared with this score.",
      }
    : await deps.proposer.analyse(
        {
          proposal: input.proposal,
          summary: measurement.summary,
          valBpb: measurement.valBpb,
          flags: measurement.flags,
          verdict: decision.verdict,
          reason: decision.reason,
          incumbent: incumbent?.valBpb ?? null,
          artifactBytes: measurement.gate?.artifact_bytes ?? null,
          changeNote: input.changeNote ?? null,
        },
        signal,
      );

  if (!input.baseline) {
    if (decision.verdict === "keep") await deps.forge.keep({ id: input.id, commit: input.commit });
    else
      await deps.forge.discard({
        id: input.id,
        commit: input.commit,
        flagged: decision.verdict === "discard" && measurement.flags.length > 0,
      });
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
    const scored = run.measurement.summary.status === "ok" && run.measurement.valBpb !== null;
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
    [tier, measurement.summary] as const,
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
    valBpb: meanOf(samplesOf(newRows, tier, input.id)) ?? measurement.valBpb,
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

/**
 * The baseline is the research line itself, so it is kept whenever caddie could score it: its number is
 * the bar. Without caddie's own number (a crash, a model caddie could not score or that reads ahead) there
 * is no bar, and the loop stops to have the course fixed. Other flags are recorded and shown.
 */
function baselineDecision(m: Measurement): Decision {
  const unusable = m.flags.filter((f) => f.code === "unverified" || f.code === "non_causal");
  if (m.summary.status !== "ok")
    return {
      verdict: "crash",
      reason: `the baseline crashed: ${m.summary.error ?? "no score"}`,
      delta: null,
    };
  if (m.valBpb === null || unusable.length > 0)
    return {
      verdict: "crash",
      reason: `caddie could not score the baseline itself: ${describeFlags(unusable) || "no score"}`,
      delta: null,
    };
  if (m.gate?.ok === false)
    return { verdict: "crash", reason: `the baseline is over the cap: ${m.gate.reason}`, delta: null };
  const flagged = m.flags.length > 0 ? ` (flagged: ${describeFlags(m.flags)})` : "";
  return { verdict: "keep", reason: `baseline: the score every experiment must beat${flagged}`, delta: null };
}
