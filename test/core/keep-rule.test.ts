import { describe, expect, it } from "vitest";
import { keepRule, nextPairedSeed, type KeepRuleInput, type Sample } from "../../src/core/keep-rule.ts";
import { criticalValue } from "../../src/core/noise.ts";

const s = (seed: number, valBpb: number): Sample => ({ seed, valBpb });

function input(overrides: Partial<KeepRuleInput>): KeepRuleInput {
  return {
    candidate: [s(1, 3.0)],
    incumbent: [s(1, 3.2), s(2, 3.22)],
    otherGroups: [],
    minDelta: 0.01,
    k: 2,
    extraSeedsLeft: 0,
    ...overrides,
  };
}

describe("keepRule", () => {
  it("waits for a second baseline when nothing on the tier was repeated", () => {
    const result = keepRule(input({ incumbent: [s(1, 3.2)], incumbentName: "the baseline" }));
    expect(result).toMatchObject({ verdict: "pending", need: "incumbent-run" });
    expect(result.reason).toMatch(/^pending: needs a second baseline/);
  });

  it("keeps a gain that clears c x sd of the difference of the means (hand-computed)", () => {
    // Pooled over the incumbent [3.2, 3.22] (SS 0.0002) and the other group [3.0, 3.04] (SS 0.0008):
    // sigma^2 = 0.001 / 2, df 2. sd = sigma x sqrt(1 + 1/2). Gain = 3.21 - 3.0 = 0.21.
    const result = keepRule(input({ otherGroups: [[3.0, 3.04]] }));
    const sigma = Math.sqrt(0.0005);
    const sd = sigma * Math.sqrt(1.5);
    expect(result.verdict).toBe("keep");
    if (result.stats === null) throw new Error("stats expected");
    expect(result.stats.noise.df).toBe(2);
    expect(result.stats.noise.sigma).toBeCloseTo(sigma, 12);
    expect(result.stats.sd).toBeCloseTo(sd, 12);
    expect(result.stats.critical).toBeCloseTo(criticalValue(2, 2), 12);
    expect(result.stats.threshold).toBeCloseTo(criticalValue(2, 2) * sd, 12);
    expect(result.stats.gain).toBeCloseTo(0.21, 12);
    expect(result.reason).toMatch(
      /^val_bpb 3\.0000 vs the incumbent 3\.2100: better by 0\.2100, above the threshold 0\.1\d+ \(1 run vs 2 runs of the incumbent; threshold max\(min_delta 0\.0100, 4\.5\d x sd 0\.02\d+\), sigma 0\.0224 from 4 runs \(2 df\)\)$/,
    );
  });

  it("discards a gain a lucky seed could explain: few degrees of freedom raise the bar", () => {
    // sigma from one pair (df 1): c = 13.97. The same 0.05 gain clears k x sd but not c x sd.
    const result = keepRule(input({ candidate: [s(1, 3.16)], incumbent: [s(1, 3.2), s(2, 3.22)] }));
    expect(result.verdict).toBe("discard");
    expect(result.reason).toContain("better by only 0.0500, within the threshold");
  });

  it("uses min_delta when the noise is smaller", () => {
    const result = keepRule(
      input({ candidate: [s(1, 3.195)], incumbent: [s(1, 3.2), s(2, 3.2)], minDelta: 0.01 }),
    );
    expect(result.verdict).toBe("discard");
    expect(result.stats?.threshold).toBe(0.01);
    const kept = keepRule(input({ candidate: [s(1, 3.18)], incumbent: [s(1, 3.2), s(2, 3.2)] }));
    expect(kept.verdict).toBe("keep");
  });

  it("gives a gain within one sd of the threshold another paired seed, while the budget lasts", () => {
    // sigma = sqrt(0.0002) (one pair 3.20/3.22 and the other group 3.00/3.02), df 2.
    const base = { incumbent: [s(1, 3.2), s(2, 3.22)], otherGroups: [[3.0, 3.02]] };
    const sd = Math.sqrt(0.0002) * Math.sqrt(1.5);
    const threshold = criticalValue(2, 2) * sd;
    const near = 3.21 - threshold - sd / 2;
    const pending = keepRule(input({ ...base, candidate: [s(1, near)], extraSeedsLeft: 1 }));
    expect(pending).toMatchObject({ verdict: "pending", need: "paired-seed" });
    expect(pending.reason).toMatch(/^pending: gain 0\.\d+ is within one sd of the threshold/);
    // No budget left: decided on what there is, never kept within the threshold.
    expect(keepRule(input({ ...base, candidate: [s(1, near)], extraSeedsLeft: 0 })).verdict).toBe("keep");
    const below = 3.21 - threshold + sd / 2;
    expect(keepRule(input({ ...base, candidate: [s(1, below)], extraSeedsLeft: 0 })).verdict).toBe("discard");
    // Far from the threshold: decided at once, whatever the budget.
    expect(keepRule(input({ ...base, candidate: [s(1, 3.3)], extraSeedsLeft: 5 })).verdict).toBe("discard");
  });

  it("counts the candidate's extra seeds in its mean and in the noise", () => {
    const result = keepRule(
      input({ candidate: [s(1, 3.1), s(2, 3.12)], incumbent: [s(1, 3.2), s(2, 3.22)] }),
    );
    expect(result.stats?.candidateRuns).toBe(2);
    expect(result.stats?.candidateMean).toBeCloseTo(3.11, 12);
    expect(result.stats?.noise.df).toBe(2);
    expect(result.stats?.sd).toBeCloseTo(0.01 * Math.sqrt(2) * Math.sqrt(1), 12);
  });

  it("says no change and worse in words", () => {
    expect(keepRule(input({ candidate: [s(1, 3.21)] })).reason).toContain(": no change (");
    expect(keepRule(input({ candidate: [s(1, 3.3)] })).reason).toContain(": worse by 0.0900 (");
  });
});

describe("nextPairedSeed", () => {
  it("takes the incumbent's first seed the candidate has not run", () => {
    expect(nextPairedSeed([s(1337, 3)], [s(1337, 3), s(1338, 3)], 1)).toEqual({
      seed: 1338,
      incumbentToo: false,
    });
  });

  it("opens a new seed for both when the candidate has them all", () => {
    expect(nextPairedSeed([s(1337, 3), s(1338, 3)], [s(1337, 3), s(1338, 3)], 1)).toEqual({
      seed: 1339,
      incumbentToo: true,
    });
  });
});
