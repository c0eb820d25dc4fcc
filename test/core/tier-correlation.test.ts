import { describe, expect, it } from "vitest";
import type { LedgerRow } from "../../src/core/ledger.ts";
import {
  renderTierCorrelation,
  scalePromotionThreshold,
  tierCorrelation,
  type TierCorrelation,
} from "../../src/core/tier-correlation.ts";

function row(
  experiment: string,
  tier: string,
  val_bpb: number | null,
  extra: Partial<LedgerRow> = {},
): LedgerRow {
  return {
    experiment,
    commit: "c0ffee",
    tier,
    seed: null,
    val_bpb,
    artifact_bytes: 15_000_000,
    memory_gb: null,
    seconds: 600,
    status: "keep",
    promoted: tier === "full",
    cost_usd: null,
    claimed_val_bpb: null,
    flags: [],
    description: experiment,
    ...extra,
  };
}

// Proxy (1 GPU, short) scores sit about 0.3 above the full tier's and rank the experiments the same way.
const paired: LedgerRow[] = [
  row("exp-1", "proxy", 1.52),
  row("exp-1", "full", 1.2244),
  row("exp-2", "proxy", 1.5),
  row("exp-2", "full", 1.2101),
  row("exp-3", "proxy", 1.49),
  row("exp-3", "full", 1.2052, { seed: 1 }),
  row("exp-3", "full", 1.2068, { seed: 2 }),
  row("exp-4", "proxy", 1.47),
  row("exp-4", "full", 1.1987),
];

describe("tierCorrelation", () => {
  it("pairs experiments measured on both tiers, averaging seeds", () => {
    const c = tierCorrelation([...paired, row("exp-5", "proxy", 1.46)]);
    expect(c.pairs.map((p) => p.experiment)).toEqual(["exp-1", "exp-2", "exp-3", "exp-4"]);
    expect(c.pairs[2]?.full).toBeCloseTo(1.206, 12);
    expect(c.spearman).toBeCloseTo(1, 12);
    expect(c.pearson).toBeGreaterThan(0.95);
    const deltas = [1.2244 - 1.52, 1.2101 - 1.5, 1.206 - 1.49, 1.1987 - 1.47];
    expect(c.meanDelta).toBeCloseTo(deltas.reduce((a, b) => a + b, 0) / 4, 12);
  });

  it("leaves out crashed and unscored rows", () => {
    const c = tierCorrelation([
      ...paired,
      row("exp-6", "proxy", 1.4),
      row("exp-6", "full", null, { status: "crash" }),
      row("exp-7", "proxy", 1.3, { status: "crash" }),
      row("exp-7", "full", 1.1),
    ]);
    expect(c.pairs).toHaveLength(4);
  });

  it("has no correlation below three pairs", () => {
    const c = tierCorrelation(paired.slice(0, 4));
    expect(c.pairs).toHaveLength(2);
    expect(c.pearson).toBeNull();
    expect(c.spearman).toBeNull();
    expect(c.meanDelta).not.toBeNull();
  });
});

describe("scalePromotionThreshold", () => {
  const withRho = (spearman: number | null, n = 5): TierCorrelation => ({
    pairs: Array.from({ length: n }, (_, i) => ({ experiment: `e${i}`, proxy: 1, full: 1 })),
    pearson: spearman,
    spearman,
    meanDelta: 0,
  });

  it("keeps the base with too few pairs", () => {
    expect(scalePromotionThreshold(0.03, withRho(0.5, 2))).toMatchObject({ threshold: 0.03, scale: 1 });
  });

  it("keeps the base when the proxy ranks perfectly and raises it as the ranking weakens", () => {
    expect(scalePromotionThreshold(0.03, withRho(1)).threshold).toBeCloseTo(0.03, 12);
    expect(scalePromotionThreshold(0.03, withRho(0.5)).threshold).toBeCloseTo(0.06, 12);
    expect(scalePromotionThreshold(0.03, withRho(0.1)).threshold).toBeCloseTo(0.12, 12);
  });

  it("turns automatic promotion off when the proxy does not predict the full tier", () => {
    const s = scalePromotionThreshold(0.03, withRho(-0.3));
    expect(s.threshold).toBeNull();
    expect(s.reason).toContain("automatic promotion is off");
  });
});

describe("renderTierCorrelation", () => {
  it("renders a table with the tuned threshold", () => {
    expect(renderTierCorrelation(paired)).toBe(
      [
        "### Tier correlation (proxy vs full)",
        "",
        "| Pairs | Pearson r | Spearman rho | Mean delta (full - proxy) | Promotion threshold |",
        "|---:|---:|---:|---:|---|",
        `| 4 | ${tierCorrelation(paired).pearson?.toFixed(2)} | 1.00 | -0.2852 | 3.0% |`,
        "",
        "3.0% x 1.00 = 3.0% (Spearman 1.00 over 4 pairs)",
        "",
      ].join("\n"),
    );
  });

  it("says how many pairs are still missing", () => {
    expect(renderTierCorrelation(paired.slice(0, 2), { baseThreshold: 0.05 })).toBe(
      "### Tier correlation (proxy vs full)\n\n1 of 3 paired experiments needed to measure it. " +
        "Mean delta so far (full - proxy): -0.2956 val_bpb. Promotion threshold: 5.0% relative proxy gain.\n",
    );
  });
});
