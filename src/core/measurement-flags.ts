/**
 * The flag rules of a measured run: the log's claims checked against what caddie measured itself. Which
 * number decides is settled elsewhere (caddie's, always); these rules say when the run cannot be trusted
 * at all, so a keep must wait for a person.
 */
import type { ArtifactGateResult } from "./artifact-gate.ts";
import { claimOffBy, claimTolerance, type ClaimReference } from "./claim-gap.ts";
import {
  claimMismatch,
  duplicateScore,
  implausibleScore,
  nonCausal,
  sizeMismatch,
  uniqueFlags,
  unverified,
  type Flag,
} from "./flags.ts";
import type { RunLogSummary } from "./parse-run-log.ts";
import { implausiblyLow } from "./plausible-score.ts";
import type { ScoreResult } from "./score-result.ts";

export interface MeasurementFlagsInput {
  /** The log as parsed: its score is the run's claim. */
  summary: RunLogSummary;
  /** Values of every final line under the claim's key (finalScoreLines). */
  finalLines: number[];
  gate: ArtifactGateResult | null;
  /** caddie's score; null when the run was not scored (it crashed). */
  score: ScoreResult | null;
  /**
   * Largest |claimed - measured - the baseline's gap| val_bpb that is not a flag (scoring.tolerance;
   * coarser when caddie's held-out sample cannot resolve it: claimTolerance).
   */
  tolerance: number;
  /** The baseline's gap between claim and caddie's score (src/core/claim-gap.ts); none: a gap of 0. */
  claimReference?: ClaimReference;
  /** Flags the training runner raised (over budget, data modified, state tampered). */
  runnerFlags?: readonly Flag[];
  /** The tier whose plausible floor a verified score must reach (plausible-score.ts); absent: not checked. */
  tier?: string;
}

export function measurementFlags(input: MeasurementFlagsInput): Flag[] {
  const { summary, score } = input;
  const flags: Flag[] = [...(input.runnerFlags ?? [])];
  if (summary.metric !== null && input.finalLines.length > 1)
    flags.push(duplicateScore(summary.metric, input.finalLines));
  if (input.gate?.mismatch && input.gate.log_artifact_bytes !== null)
    flags.push(sizeMismatch(input.gate.log_artifact_bytes, input.gate.artifact_bytes));
  if (summary.status === "ok") {
    if (score === null) flags.push(unverified("no re-score ran"));
    // A failed probe is non-causal; no probe at all (the model failed first) is only unverified.
    else if (score.causality !== null && !score.causality.ok && score.causality.probes > 0)
      flags.push(nonCausal(score.causality.maxAbsDiff, score.causality.probes));
    else if (score.status === "unverified" || score.valBpb === null)
      flags.push(unverified(score.reason ?? "no reason given"));
    else if (summary.val_bpb !== null) {
      const reference = input.claimReference ?? { kind: "check", gap: 0, runs: 0 };
      const allowed = claimTolerance(input.tolerance, score.valBpb, score.tokens);
      if (claimOffBy(summary.val_bpb, score.valBpb, reference, allowed) !== null)
        flags.push(
          claimMismatch(
            summary.val_bpb,
            score.valBpb,
            allowed,
            reference.kind === "check" && reference.runs > 0 ? reference.gap : null,
          ),
        );
    }
    // Far below the tier's floor is a broken evaluation, not a record: never kept automatically.
    const verified = score?.status === "verified" ? score.valBpb : null;
    const low = input.tier && verified !== null ? implausiblyLow(verified, input.tier) : null;
    if (low) flags.push(implausibleScore(low));
  }
  return uniqueFlags(flags);
}
