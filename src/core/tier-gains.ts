/**
 * Does a gain on the cheap proxy hold on a longer run, and does that depend on the kind of change? Every
 * confirmation (the proxy vs a longer budget, src/engine/earn-verdict.ts) and every promotion (the proxy vs
 * the full tier, each as a gain over the baseline on that tier) adds a (proxy gain, longer gain) pair with
 * the change's class (src/core/change-class.ts). The correlation by class tunes the promotion threshold:
 * a class whose proxy gains rank like its longer gains is trusted as is, one that ranks poorly asks for a
 * bigger proxy gain, one that does not predict at all is promoted only by hand.
 */
import type { LedgerRow } from "./ledger.ts";
import { mean, spearman } from "./statistics.ts";
import {
  MIN_TIER_PAIRS,
  scalePromotionThreshold,
  tierCorrelation,
  type TierCorrelation,
} from "./tier-correlation.ts";

export interface GainPair {
  experiment: string;
  changeClass: string;
  /** The longer tier: `proxy@4x` for a confirmation, `full` for a promotion. */
  tier: string;
  /** Gain (lower val_bpb = positive) on the proxy. */
  proxyGain: number;
  /** Gain on the longer tier. */
  gain: number;
}

/** What the loop state knows of an experiment (src/engine/ports.ts LoopState). */
export interface ExperimentFacts {
  changeClass?: string;
  tierGain?: { tier: string; proxyGain: number; gain: number } | null;
}

const BASELINE = "exp-000";

export function gainPairs(
  rows: readonly LedgerRow[],
  experiments: Record<string, ExperimentFacts>,
): GainPair[] {
  const pairs: GainPair[] = [];
  for (const [experiment, facts] of Object.entries(experiments)) {
    if (facts.tierGain)
      pairs.push({ experiment, changeClass: facts.changeClass ?? "unknown", ...facts.tierGain });
  }
  const scores = (experiment: string, tier: string) =>
    mean(
      rows
        .filter(
          (r) => r.experiment === experiment && r.tier === tier && r.status !== "crash" && r.val_bpb !== null,
        )
        .map((r) => r.val_bpb as number),
    );
  const baseProxy = scores(BASELINE, "proxy");
  const baseFull = scores(BASELINE, "full");
  if (baseProxy === null || baseFull === null) return pairs;
  const promoted = new Set(
    rows.filter((r) => r.tier === "full" && r.experiment !== BASELINE).map((r) => r.experiment),
  );
  for (const experiment of promoted) {
    const proxy = scores(experiment, "proxy");
    const full = scores(experiment, "full");
    if (proxy === null || full === null) continue;
    pairs.push({
      experiment,
      changeClass: experiments[experiment]?.changeClass ?? "unknown",
      tier: "full",
      proxyGain: baseProxy - proxy,
      gain: baseFull - full,
    });
  }
  return pairs;
}

/** The pairs of one class (or all) as a TierCorrelation of gains, for scalePromotionThreshold. */
function gainCorrelation(pairs: readonly GainPair[]): TierCorrelation {
  const xs = pairs.map((p) => p.proxyGain);
  const ys = pairs.map((p) => p.gain);
  return {
    pairs: pairs.map((p) => ({ experiment: p.experiment, proxy: p.proxyGain, full: p.gain })),
    pearson: null,
    spearman: spearman(xs, ys),
    meanDelta: mean(pairs.map((p) => p.gain - p.proxyGain)),
  };
}

/**
 * The correlation the promotion threshold uses for a change of this class: the class's own gain pairs
 * when there are enough, else all gain pairs, else the proxy-vs-full correlation of scores.
 */
export function promotionCorrelation(
  rows: readonly LedgerRow[],
  pairs: readonly GainPair[],
  changeClass: string | null,
): { correlation: TierCorrelation; basis: string } {
  const mine = pairs.filter((p) => p.changeClass === changeClass);
  if (changeClass !== null && mine.length >= MIN_TIER_PAIRS)
    return { correlation: gainCorrelation(mine), basis: `${mine.length} ${changeClass} pairs` };
  if (pairs.length >= MIN_TIER_PAIRS)
    return { correlation: gainCorrelation(pairs), basis: `${pairs.length} pairs of all classes` };
  return { correlation: tierCorrelation(rows), basis: "proxy vs full scores" };
}

/**
 * A markdown table: per class, how many pairs, their rank correlation, how many gains held, and the
 * automatic-promotion threshold a keep of that class meets (promotionCorrelation: its own pairs, else all).
 */
export function renderGainsByClass(
  pairs: readonly GainPair[],
  options: { rows?: readonly LedgerRow[]; baseThreshold?: number } = {},
): string {
  const head = "### Proxy gains on longer runs, by kind of change\n\n";
  if (pairs.length === 0)
    return `${head}_No confirmation or promotion yet: each adds a (proxy gain, longer gain) pair._\n`;
  const rows = options.rows ?? [];
  const base = options.baseThreshold ?? 0.03;
  const classes = [...new Set(pairs.map((p) => p.changeClass))].sort();
  const threshold = (changeClass: string | null) => {
    const { correlation, basis } = promotionCorrelation(rows, pairs, changeClass);
    const scaled = scalePromotionThreshold(base, correlation);
    return scaled.threshold === null
      ? `off: use /promote (${basis})`
      : `${(100 * scaled.threshold).toFixed(1)}% (${basis})`;
  };
  const line = (name: string, group: readonly GainPair[], changeClass: string | null) => {
    const rho =
      group.length >= MIN_TIER_PAIRS
        ? spearman(
            group.map((p) => p.proxyGain),
            group.map((p) => p.gain),
          )
        : null;
    const held = group.filter((p) => p.gain > 0).length;
    return `| ${name} | ${group.length} | ${rho === null ? "-" : rho.toFixed(2)} | ${held} of ${group.length} | ${threshold(changeClass)} |`;
  };
  return (
    head +
    "| kind of change | pairs | Spearman rho | longer gain > 0 | automatic promotion at a proxy gain of |\n|---|---:|---:|---:|---|\n" +
    [
      ...classes.map((c) =>
        line(
          c,
          pairs.filter((p) => p.changeClass === c),
          c,
        ),
      ),
      line("all", pairs, null),
    ].join("\n") +
    `\n\nA class uses its own correlation once it has ${MIN_TIER_PAIRS} pairs, all classes' pairs before that, and the proxy-vs-full scores before there are ${MIN_TIER_PAIRS} pairs at all; the base threshold ${(100 * base).toFixed(1)}% is divided by the rank correlation, and a class whose proxy gains do not predict its longer gains is promoted only by hand.\n`
  );
}
