/**
 * The automatic promotion rule: a proxy result is sent to the paid full tier on its own when automatic
 * promotion is on, the run is clean (scored, within the cap), and its relative gain over the incumbent's
 * proxy score reaches the threshold (default 3%, tuned by the tier correlation). Money is a separate
 * question: a "promote" verdict is then put to `reserveSpend`, which may still refuse.
 */
import { scalePromotionThreshold, type TierCorrelation } from "./tier-correlation.ts";

export interface PromotionInput {
  /** budget.auto_promote */
  enabled: boolean;
  candidate: {
    experiment: string;
    /** The head SHA the proxy result was measured on; a promotion runs exactly this commit. */
    commit: string;
    status: "ok" | "crash";
    gateOk: boolean;
    valBpb: number | null;
  };
  /** The incumbent's val_bpb on the same (proxy) tier; null before a baseline exists. */
  incumbent: number | null;
  /** thresholds.promote_gain, relative (0.03 = 3%). */
  baseThreshold: number;
  correlation: TierCorrelation;
  /** Experiments (by "experiment@commit") already promoted: one promotion per commit. */
  promoted: ReadonlySet<string>;
}

export interface PromotionVerdict {
  promote: boolean;
  reason: string;
  /** (incumbent - candidate) / incumbent; null without both scores. */
  gain: number | null;
  /** The tuned threshold; null when automatic promotion is off by correlation. */
  threshold: number | null;
}

/** The key under which a promotion is remembered and reserved. */
export function promotionKey(experiment: string, commit: string): string {
  return `${experiment}@${commit}`;
}

export function promotionVerdict(input: PromotionInput): PromotionVerdict {
  const { candidate, incumbent } = input;
  const scaled = scalePromotionThreshold(input.baseThreshold, input.correlation);
  const gain =
    candidate.valBpb !== null && incumbent !== null && incumbent > 0
      ? (incumbent - candidate.valBpb) / incumbent
      : null;
  const no = (reason: string): PromotionVerdict => ({
    promote: false,
    reason,
    gain,
    threshold: scaled.threshold,
  });
  if (!input.enabled) return no("automatic promotion is off (budget.auto_promote: false); use /promote");
  if (candidate.status === "crash" || candidate.valBpb === null) return no("the proxy run has no score");
  if (!candidate.gateOk) return no("the artifact is over the cap");
  if (input.promoted.has(promotionKey(candidate.experiment, candidate.commit)))
    return no(`${candidate.experiment} at ${candidate.commit.slice(0, 7)} was already promoted`);
  if (incumbent === null || gain === null) return no("no incumbent proxy score to compare with yet");
  if (scaled.threshold === null) return no(scaled.reason);
  const text = `proxy gain ${pct(gain)} (val_bpb ${candidate.valBpb.toFixed(4)} vs ${incumbent.toFixed(4)})`;
  // A gain equal to the threshold "reaches" it.
  if (gain + 1e-12 < scaled.threshold) return no(`${text} is below the ${pct(scaled.threshold)} threshold`);
  return {
    promote: true,
    reason: `${text} reaches the ${pct(scaled.threshold)} threshold (${scaled.reason})`,
    gain,
    threshold: scaled.threshold,
  };
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}
