/**
 * Turns what a run left behind into caddie's measurement: the log parsed by the shared parser (its score
 * is the run's claim), the bytes counted by the shared gate from the committed code and the scored model
 * file, caddie's own score from the scoring step, and the flags where the two disagree. The verdict uses
 * caddie's number; the log's is kept as `claimed_val_bpb` and only compared.
 */
import { gateArtifact, type ArtifactGateResult } from "../core/artifact-gate.ts";
import type { ClaimReference } from "../core/claim-gap.ts";
import type { Flag } from "../core/flags.ts";
import { measurementFlags } from "../core/measurement-flags.ts";
import { finalScoreLines, parseRunLog, type RunLogSummary } from "../core/parse-run-log.ts";
import type { ScoreResult } from "../core/score-result.ts";
import type { RunOutcome } from "./ports.ts";

export interface Measurement {
  /** The log as parsed; `summary.val_bpb` is what the run claims. */
  summary: RunLogSummary;
  /** Null when there is no model file to count (a crash). */
  gate: ArtifactGateResult | null;
  /** caddie's score; null when the run was not scored (it crashed first). */
  score: ScoreResult | null;
  /** caddie's own val_bpb, the number every verdict uses; null when caddie has none. */
  valBpb: number | null;
  claimedValBpb: number | null;
  flags: Flag[];
}

export interface MeasureOptions {
  limitBytes: number;
  metricPattern: string | null;
  /** scoring.tolerance: the largest claimed-vs-measured gap (beyond the baseline's) that is not a flag. */
  tolerance: number;
  /** How this run's claim is checked (src/core/claim-gap.ts): the baseline's gap; none: a gap of 0. */
  claimReference?: ClaimReference;
  /** The tier measured, where its plausible floor applies (the App: FineWeb); absent: not checked. */
  tier?: string;
}

/** The log's side alone: parsed, with a timeout or a missing model file turned into a crash. */
export function readClaims(
  outcome: RunOutcome,
  options: Pick<MeasureOptions, "metricPattern">,
): RunLogSummary {
  const parsed = parseRunLog(outcome.logText, {
    exitCode: outcome.exitCode,
    metricPattern: options.metricPattern,
  });
  if (outcome.timedOut)
    return {
      ...parsed,
      status: "crash",
      error: `timed out after ${Math.round(outcome.seconds)} s and was killed`,
    };
  if (parsed.status === "ok" && outcome.modelBytes === null)
    return { ...parsed, status: "crash", error: "the run printed a score but wrote no model file" };
  return parsed;
}

/**
 * Combines the run's claims, caddie's byte count and caddie's score. `codeBytes` is the committed code's
 * size (read from the forge, never from the run's folder, which the run may have rewritten); the model's
 * bytes are those of the file the scorer scored when it reports them.
 */
export function measureOutcome(
  outcome: RunOutcome,
  input: { codeBytes: number; score: ScoreResult | null; summary?: RunLogSummary },
  options: MeasureOptions,
): Measurement {
  const summary = input.summary ?? readClaims(outcome, options);
  const score = summary.status === "ok" ? input.score : null;
  const modelBytes = score?.modelBytes ?? outcome.modelBytes;
  const gate =
    modelBytes === null
      ? null
      : gateArtifact({
          codeBytes: input.codeBytes,
          modelBytes,
          limit: options.limitBytes,
          logArtifactBytes: summary.artifact_bytes,
        });
  const flags = measurementFlags({
    summary,
    finalLines: summary.metric === null ? [] : finalScoreLines(outcome.logText, summary.metric),
    gate,
    score,
    tolerance: options.tolerance,
    claimReference: options.claimReference,
    runnerFlags: outcome.flags,
    ...(options.tier ? { tier: options.tier } : {}),
  });
  return {
    summary,
    gate,
    score,
    valBpb: score?.status === "verified" ? score.valBpb : null,
    claimedValBpb: summary.val_bpb,
    flags,
  };
}

/** The ledger cells a measurement fills: caddie's score, the claim, our byte count, memory, time, flags. */
export function measuredRowFields(m: Measurement, seconds: number) {
  return {
    // Eight decimals, as the logs print their exact score: more digits than any run can resolve.
    val_bpb: m.valBpb === null ? null : Math.round(m.valBpb * 1e8) / 1e8,
    claimed_val_bpb: m.claimedValBpb,
    artifact_bytes: m.gate?.artifact_bytes ?? null,
    memory_gb:
      m.summary.peak_memory_mib === null
        ? null
        : Math.round((m.summary.peak_memory_mib / 1024) * 1000) / 1000,
    seconds: Math.round(seconds * 10) / 10,
    flags: m.flags,
  };
}

/** The options measureOutcome takes, from a config. */
export function measureOptions(config: {
  limitBytes: number;
  metricPattern: string | null;
  scoring: { tolerance: number };
}): MeasureOptions {
  return {
    limitBytes: config.limitBytes,
    metricPattern: config.metricPattern,
    tolerance: config.scoring.tolerance,
  };
}
