/**
 * What an honest run's claim and caddie's score differ by anyway. The script evaluates on its own
 * validation slice, caddie on the held-out one the run never reads, and two slices of text differ in
 * difficulty: on one H100, openai/parameter-golf's root script on a 60k-token validation sample claimed
 * 2.52-2.53 while caddie measured 2.67-2.70 on the held-out part, run after run. The unchanged script (the
 * baseline, exp-000, which no agent wrote) measures that gap; every other run's claim is checked against
 * it, so a forged or partial evaluation still stands out while honest runs on small data do not.
 */
import type { LedgerRow } from "./ledger.ts";

export const BASELINE_EXPERIMENT = "exp-000";

/** How a run's claim is checked: the baseline sets the gap, every other run is held to it. */
export type ClaimReference = { kind: "baseline" } | { kind: "check"; gap: number; runs: number };

/**
 * The claim check for `experiment` at `tier`, from the baseline's measured runs at that tier, else at the
 * tier it confirms (`proxy` for `proxy@4x`: the same data slices); a gap of 0 before any.
 */
export function claimReference(rows: readonly LedgerRow[], tier: string, experiment: string): ClaimReference {
  if (experiment === BASELINE_EXPERIMENT) return { kind: "baseline" };
  const gapsAt = (t: string) =>
    rows
      .filter((r) => r.experiment === BASELINE_EXPERIMENT && r.tier === t && r.status === "keep")
      .flatMap((r) =>
        r.val_bpb !== null && r.claimed_val_bpb !== null ? [r.claimed_val_bpb - r.val_bpb] : [],
      );
  const exact = gapsAt(tier);
  const gaps = exact.length > 0 ? exact : gapsAt(tier.split("@")[0] ?? tier);
  if (gaps.length === 0) return { kind: "check", gap: 0, runs: 0 };
  return { kind: "check", gap: gaps.reduce((a, b) => a + b, 0) / gaps.length, runs: gaps.length };
}

/** Null when the claim agrees with caddie's score (given the baseline's gap), else how far it is off. */
export function claimOffBy(
  claimed: number,
  measured: number,
  reference: ClaimReference,
  tolerance: number,
): number | null {
  if (reference.kind === "baseline") return null;
  const off = Math.abs(claimed - measured - reference.gap);
  return off > tolerance ? off : null;
}

/**
 * The gap a claim may move by: `scoring.tolerance`, or what caddie's own held-out sample can resolve when
 * that is coarser. A language model's per-token loss spreads by about 0.6 of its mean, so a score from N
 * tokens is uncertain by about 0.6 x val_bpb / sqrt(N) (more, as a document's tokens are not
 * independent); four of those. With 2M held-out FineWeb tokens that is about 0.002 and the tolerance
 * decides; on the 2,048 held-out tokens of a 60k-token sample it is about 0.14: there, on one H100, an
 * honest WARMDOWN_ITERS change (caddie 2.69 against the baseline's 3.39) moved the gap by 0.093.
 */
export function claimTolerance(tolerance: number, valBpb: number, tokens: number): number {
  if (!(tokens > 0) || !(valBpb > 0)) return tolerance;
  return Math.max(tolerance, (4 * 0.6 * valBpb) / Math.sqrt(tokens));
}
