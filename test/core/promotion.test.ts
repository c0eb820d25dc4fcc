import { describe, expect, it } from "vitest";
import { promotionKey, promotionVerdict, type PromotionInput } from "../../src/core/promotion.ts";
import type { TierCorrelation } from "../../src/core/tier-correlation.ts";

const noPairs: TierCorrelation = { pairs: [], pearson: null, spearman: null, meanDelta: null };
const base: PromotionInput = {
  enabled: true,
  candidate: { experiment: "exp-7", commit: "3f2a9c1e5b", status: "ok", gateOk: true, valBpb: 1.45 },
  incumbent: 1.5,
  baseThreshold: 0.03,
  correlation: noPairs,
  promoted: new Set(),
};

describe("promotionVerdict", () => {
  it("promotes a clean proxy result whose relative gain reaches the threshold", () => {
    const v = promotionVerdict(base);
    expect(v.promote).toBe(true);
    expect(v.gain).toBeCloseTo(0.05 / 1.5, 12);
    expect(v.reason).toBe(
      "proxy gain 3.33% (val_bpb 1.4500 vs 1.5000) reaches the 3.00% threshold (base threshold 3.0%: 0 of 3 paired experiments to tune it)",
    );
  });

  it("counts a gain exactly at the threshold as reaching it", () => {
    const v = promotionVerdict({ ...base, candidate: { ...base.candidate, valBpb: 1.455 } });
    expect(v.promote).toBe(true);
  });

  it("does not promote a gain below the threshold", () => {
    const v = promotionVerdict({ ...base, candidate: { ...base.candidate, valBpb: 1.47 } });
    expect(v).toMatchObject({ promote: false });
    expect(v.reason).toBe("proxy gain 2.00% (val_bpb 1.4700 vs 1.5000) is below the 3.00% threshold");
  });

  it("does nothing when automatic promotion is off", () => {
    expect(promotionVerdict({ ...base, enabled: false }).reason).toContain("budget.auto_promote: false");
  });

  it("never promotes a crash, an over-cap artifact or a commit promoted before", () => {
    expect(
      promotionVerdict({ ...base, candidate: { ...base.candidate, status: "crash", valBpb: null } }).promote,
    ).toBe(false);
    expect(promotionVerdict({ ...base, candidate: { ...base.candidate, gateOk: false } }).reason).toBe(
      "the artifact is over the cap",
    );
    const again = promotionVerdict({ ...base, promoted: new Set([promotionKey("exp-7", "3f2a9c1e5b")]) });
    expect(again.reason).toBe("exp-7 at 3f2a9c1 was already promoted");
  });

  it("waits for an incumbent", () => {
    expect(promotionVerdict({ ...base, incumbent: null }).reason).toBe(
      "no incumbent proxy score to compare with yet",
    );
  });

  it("asks for a bigger gain when the tiers correlate weakly", () => {
    const weak: TierCorrelation = {
      pairs: [1, 2, 3, 4].map((i) => ({ experiment: `e${i}`, proxy: i, full: i })),
      pearson: 0.5,
      spearman: 0.5,
      meanDelta: 0,
    };
    const v = promotionVerdict({ ...base, correlation: weak });
    expect(v.threshold).toBeCloseTo(0.06, 12);
    expect(v.promote).toBe(false);
  });
});
