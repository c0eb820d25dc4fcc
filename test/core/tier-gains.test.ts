import { describe, expect, it } from "vitest";
import type { LedgerRow } from "../../src/core/ledger.ts";
import { gainPairs, promotionCorrelation, renderGainsByClass } from "../../src/core/tier-gains.ts";
import { scalePromotionThreshold } from "../../src/core/tier-correlation.ts";

function row(experiment: string, tier: string, valBpb: number, seed = 1): LedgerRow {
  return {
    experiment,
    commit: experiment,
    tier,
    seed,
    val_bpb: valBpb,
    artifact_bytes: 1,
    memory_gb: null,
    seconds: 1,
    status: "keep",
    promoted: tier === "full",
    cost_usd: null,
    claimed_val_bpb: null,
    flags: [],
    description: "",
  };
}

const confirmed = (proxyGain: number, gain: number, changeClass = "schedule") => ({
  changeClass,
  tierGain: { tier: "proxy@4x", proxyGain, gain },
});

describe("gainPairs", () => {
  it("takes confirmations from the loop state and promotions as gains over the baseline on each tier", () => {
    const rows = [
      row("exp-000", "proxy", 3.0),
      row("exp-000", "proxy", 3.2, 2),
      row("exp-000", "full", 1.3),
      row("exp-004", "proxy", 2.9),
      row("exp-004", "full", 1.25),
      row("exp-004", "full", 1.27, 2),
    ];
    const pairs = gainPairs(rows, { "exp-002": confirmed(0.2, -0.1), "exp-004": { changeClass: "model" } });
    expect(pairs).toHaveLength(2);
    expect(pairs[0]).toEqual({
      experiment: "exp-002",
      changeClass: "schedule",
      tier: "proxy@4x",
      proxyGain: 0.2,
      gain: -0.1,
    });
    // Proxy: 3.1 - 2.9 = 0.2; full: 1.3 - 1.26 = 0.04.
    expect(pairs[1]?.changeClass).toBe("model");
    expect(pairs[1]?.proxyGain).toBeCloseTo(0.2, 12);
    expect(pairs[1]?.gain).toBeCloseTo(0.04, 12);
  });

  it("has no promotion pairs without the baseline on the full tier", () => {
    expect(gainPairs([row("exp-004", "full", 1.2), row("exp-004", "proxy", 2.9)], {})).toEqual([]);
  });
});

describe("promotionCorrelation", () => {
  // Schedule changes: the proxy ranks them backwards (rho -1); optimizer changes: perfectly (rho 1).
  const state = {
    a: confirmed(0.3, -0.2),
    b: confirmed(0.2, -0.1),
    c: confirmed(0.1, 0.0),
    d: confirmed(0.1, 0.05, "optimizer"),
    e: confirmed(0.2, 0.1, "optimizer"),
    f: confirmed(0.3, 0.2, "optimizer"),
  };
  const pairs = gainPairs([], state);

  it("uses the class's own correlation once it has three pairs", () => {
    const schedule = promotionCorrelation([], pairs, "schedule");
    expect(schedule.basis).toBe("3 schedule pairs");
    expect(schedule.correlation.spearman).toBeCloseTo(-1, 12);
    // The proxy does not predict schedule changes: automatic promotion is off for them.
    expect(scalePromotionThreshold(0.03, schedule.correlation).threshold).toBeNull();
    const optimizer = promotionCorrelation([], pairs, "optimizer");
    expect(scalePromotionThreshold(0.03, optimizer.correlation).threshold).toBeCloseTo(0.03, 12);
  });

  it("falls back to all pairs, then to the scores, when the class has too few", () => {
    expect(promotionCorrelation([], pairs, "model").basis).toBe("6 pairs of all classes");
    expect(promotionCorrelation([], pairs.slice(0, 2), "model").basis).toBe("proxy vs full scores");
  });

  it("renders a row per class with the promotion threshold that class's keeps meet", () => {
    const text = renderGainsByClass(pairs, { baseThreshold: 0.03 });
    // Optimizer gains rank as their longer gains do: the base threshold stands.
    expect(text).toContain("| optimizer | 3 | 1.00 | 3 of 3 | 3.0% (3 optimizer pairs) |");
    // Schedule gains rank backwards: keeps of that class are promoted only by hand.
    expect(text).toContain("| schedule | 3 | -1.00 | 0 of 3 | off: use /promote (3 schedule pairs) |");
    // All six pairs together cancel out: ranks (5.5, 3.5, 1.5, 1.5, 3.5, 5.5) against (1..6), rho 0.
    expect(text).toContain("| all | 6 | 0.00 | 3 of 6 | off: use /promote (6 pairs of all classes) |");
    // A class with too few pairs of its own is judged on all of them: here rho 0.5 / sqrt(4.5 x 5) = 0.11,
    // under the 0.25 floor, so the threshold is 4 x 3% = 12%.
    const fewer = renderGainsByClass([...pairs.slice(3), ...pairs.slice(0, 1)], { baseThreshold: 0.03 });
    expect(fewer).toContain("| schedule | 1 | - | 0 of 1 | 12.0% (4 pairs of all classes) |");
    expect(renderGainsByClass([])).toContain("No confirmation or promotion yet");
  });
});
