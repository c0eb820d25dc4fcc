/**
 * How well the cheap proxy tier predicts the paid full tier, from experiments measured on both: Pearson
 * and Spearman correlation of their val_bpb and the mean shift (full - proxy). It tunes the promotion
 * threshold: when the proxy ranks experiments the way the full tier does, a proxy gain is trusted as is;
 * when it ranks them poorly, a bigger proxy gain is asked for; when it does not predict at all, automatic
 * promotion stops and only /promote remains.
 */
import type { LedgerRow } from "./ledger.ts";
import { mean, meanDelta, pearson, spearman } from "./statistics.ts";

/** One experiment measured on both tiers (means over its scored seeds). */
export interface TierPair {
  experiment: string;
  proxy: number;
  full: number;
}

export interface TierCorrelation {
  pairs: TierPair[];
  pearson: number | null;
  spearman: number | null;
  /** Mean of full - proxy val_bpb over the pairs; null without pairs. */
  meanDelta: number | null;
}

export interface ScaledThreshold {
  /** Relative proxy gain that promotes automatically; null when the proxy does not predict the full tier. */
  threshold: number | null;
  /** threshold / base (1 when there is too little data to tune). */
  scale: number;
  reason: string;
}

/** Pairs needed before the correlation tunes anything (pearson/spearman are null below it). */
export const MIN_TIER_PAIRS = 3;
// Below this rank correlation the threshold stops growing (4x) rather than running off to infinity.
const MIN_TRUSTED_RHO = 0.25;

/** Pairs proxy and full rows by experiment; crashed and unscored rows are left out. */
export function tierCorrelation(
  rows: readonly LedgerRow[],
  tiers: { proxy: string; full: string } = { proxy: "proxy", full: "full" },
): TierCorrelation {
  const scores = new Map<string, { proxy: number[]; full: number[] }>();
  for (const row of rows) {
    if (row.status === "crash" || row.val_bpb === null) continue;
    const side = row.tier === tiers.proxy ? "proxy" : row.tier === tiers.full ? "full" : null;
    if (side === null) continue;
    const entry = scores.get(row.experiment) ?? { proxy: [], full: [] };
    entry[side].push(row.val_bpb);
    scores.set(row.experiment, entry);
  }
  const pairs: TierPair[] = [];
  for (const [experiment, s] of scores) {
    const proxy = mean(s.proxy);
    const full = mean(s.full);
    if (proxy !== null && full !== null) pairs.push({ experiment, proxy, full });
  }
  const xs = pairs.map((p) => p.proxy);
  const ys = pairs.map((p) => p.full);
  return {
    pairs,
    pearson: pearson(xs, ys),
    spearman: spearman(xs, ys),
    meanDelta: meanDelta(pairs.map((p) => ({ before: p.proxy, after: p.full }))),
  };
}

/**
 * The promotion threshold tuned by the tier correlation: base / max(rho, 0.25) with rho the Spearman
 * correlation (rankings are what promotion relies on). rho = 1 keeps the base, rho = 0.5 doubles it, and
 * rho <= 0 turns automatic promotion off. Under MIN_TIER_PAIRS pairs the base is used unchanged.
 */
export function scalePromotionThreshold(base: number, correlation: TierCorrelation): ScaledThreshold {
  if (!(base >= 0) || !Number.isFinite(base))
    throw new RangeError(`promotion threshold must be >= 0, got ${base}`);
  const n = correlation.pairs.length;
  const rho = correlation.spearman;
  if (n < MIN_TIER_PAIRS || rho === null) {
    const why =
      n < MIN_TIER_PAIRS ? `${n} of ${MIN_TIER_PAIRS} paired experiments` : "no spread in the paired scores";
    return { threshold: base, scale: 1, reason: `base threshold ${pct(base)}: ${why} to tune it` };
  }
  if (rho <= 0) {
    return {
      threshold: null,
      scale: Number.POSITIVE_INFINITY,
      reason: `the proxy does not predict the full tier (Spearman ${rho.toFixed(2)} over ${n} pairs): automatic promotion is off, use /promote`,
    };
  }
  const scale = 1 / Math.max(rho, MIN_TRUSTED_RHO);
  return {
    threshold: base * scale,
    scale,
    reason: `${pct(base)} x ${scale.toFixed(2)} = ${pct(base * scale)} (Spearman ${rho.toFixed(2)} over ${n} pairs)`,
  };
}

/**
 * The tier correlation as markdown, for the results issue and `caddie budget`: a sentence when there is
 * not enough data, else a one-row table with the tuned promotion threshold.
 */
export function renderTierCorrelation(
  rows: readonly LedgerRow[],
  options: { baseThreshold?: number } = {},
): string {
  const c = tierCorrelation(rows);
  const base = options.baseThreshold ?? 0.03;
  const scaled = scalePromotionThreshold(base, c);
  const n = c.pairs.length;
  const head = `### Tier correlation (proxy vs full)\n\n`;
  if (n < MIN_TIER_PAIRS) {
    const delta =
      c.meanDelta === null ? "" : ` Mean delta so far (full - proxy): ${signed(c.meanDelta)} val_bpb.`;
    return `${head}${n} of ${MIN_TIER_PAIRS} paired experiments needed to measure it.${delta} Promotion threshold: ${pct(base)} relative proxy gain.\n`;
  }
  const threshold = scaled.threshold === null ? "off (use /promote)" : `${pct(scaled.threshold)}`;
  return (
    head +
    `| Pairs | Pearson r | Spearman rho | Mean delta (full - proxy) | Promotion threshold |\n` +
    `|---:|---:|---:|---:|---|\n` +
    `| ${n} | ${fixed(c.pearson)} | ${fixed(c.spearman)} | ${c.meanDelta === null ? "-" : signed(c.meanDelta)} | ${threshold} |\n\n` +
    `${scaled.reason}\n`
  );
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function fixed(x: number | null): string {
  return x === null ? "-" : x.toFixed(2);
}

function signed(x: number): string {
  return `${x >= 0 ? "+" : "-"}${Math.abs(x).toFixed(4)}`;
}
