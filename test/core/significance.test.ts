import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { significanceVerdict, type SeedScore } from "../../src/core/significance.ts";
import { recordSources } from "../helpers/sample-records.ts";

const seeds = (bpb: number[], loss: (number | null)[] = bpb.map(() => null)): SeedScore[] =>
  bpb.map((val_bpb, i) => ({ seed: i, val_bpb, val_loss: loss[i] ?? null }));

describe.each(recordSources)("significanceVerdict on $name", (source) => {
  it("converts the top record's gain to nats the way its submission.json does", () => {
    const sub = JSON.parse(
      readFileSync(path.join(source.dir, source.folder("mean-of-seeds"), "submission.json"), "utf8"),
    ) as {
      seed_results: Record<string, { val_loss: number; val_bpb: number }>;
      comparison_baseline_bpb: number;
      delta_vs_leaderboard_bpb: number;
      delta_vs_leaderboard_nats: number;
    };
    const candidate = Object.entries(sub.seed_results).map(([seed, r]) => ({
      seed: Number(seed),
      val_bpb: r.val_bpb,
      val_loss: r.val_loss,
    }));
    const v = significanceVerdict({
      candidate,
      incumbent: [{ seed: null, val_bpb: sub.comparison_baseline_bpb, val_loss: null }],
    });
    expect(v.unit).toBe("val_bpb_scaled");
    expect(v.test).toBe("one-sample");
    expect(v.deltaBpb).toBeCloseTo(sub.delta_vs_leaderboard_bpb, 4);
    expect(v.deltaNats).toBeCloseTo(sub.delta_vs_leaderboard_nats, 4);
    expect(v.ready).toBe(true);
    expect(v.pValue).toBeLessThan(0.01);
    expect(v.reason).toMatch(/^better by 0\.04\d\d nats .* over 3 seeds, p = .* < 0\.01/);
  });
});

describe("significanceVerdict", () => {
  it("compares val_loss directly when both sides share a tokenizer", () => {
    // Same loss/bpb ratio on both sides (sp1024 baseline: 2.0727 / 1.2244).
    const k = 2.07269931 / 1.2243657;
    const inc = seeds([1.2244, 1.2251, 1.2238], [1.2244 * k, 1.2251 * k, 1.2238 * k]);
    const cand = seeds([1.2158, 1.2163, 1.2149], [1.2158 * k, 1.2163 * k, 1.2149 * k]);
    const v = significanceVerdict({ candidate: cand, incumbent: inc });
    expect(v.unit).toBe("val_loss");
    expect(v.test).toBe("welch");
    expect(v.deltaNats).toBeCloseTo(v.deltaBpb * k, 12);
    expect(v.marginBpb).toBeCloseTo(0.005 / k, 12);
    expect(v.ready).toBe(true);
  });

  it("does not compare val_loss across tokenizers", () => {
    // Candidate ratio 2.19 (sp8192-like), incumbent 1.69 (sp1024-like): per-token losses are not comparable.
    const inc = seeds([1.2244, 1.2251], [1.2244 * 1.69, 1.2251 * 1.69]);
    const cand = seeds([1.1, 1.101, 1.102], [1.1 * 2.19, 1.101 * 2.19, 1.102 * 2.19]);
    const v = significanceVerdict({ candidate: cand, incumbent: inc });
    expect(v.unit).toBe("val_bpb_scaled");
    expect(v.natsPerBpb).toBeCloseTo(2.19, 12);
    expect(v.deltaNats).toBeLessThan(0);
  });

  it("falls back to ln 2 without val_loss, which is stricter than the rule", () => {
    // 0.004 val_bpb is 0.0068 nats with an sp1024 ratio but only 0.0028 nats at ln 2: refused.
    const v = significanceVerdict({
      candidate: seeds([1.2204, 1.2203, 1.2205]),
      incumbent: seeds([1.2244]),
    });
    expect(v.unit).toBe("val_bpb_ln2");
    expect(v.marginBpb).toBeCloseTo(0.005 / Math.LN2, 12);
    expect(v.ready).toBe(false);
    expect(v.reason).toContain("needs at least 0.0050 nats");
  });

  it("refuses fewer seeds than required, naming the count", () => {
    const v = significanceVerdict({ candidate: seeds([1.1, 1.101]), incumbent: seeds([1.2244]) });
    expect(v.ready).toBe(false);
    expect(v.reason).toContain("2 seeds: need 3");
  });

  it("refuses a large gain whose seeds are too noisy", () => {
    const v = significanceVerdict({
      candidate: seeds([1.19, 1.24, 1.16]),
      incumbent: seeds([1.2244, 1.2251, 1.2238]),
    });
    expect(v.ready).toBe(false);
    expect(v.pValue).toBeGreaterThan(0.01);
    expect(v.reason).toMatch(/p = .* is not below 0\.01/);
  });

  it("says so when identical seeds leave no p-value", () => {
    const v = significanceVerdict({ candidate: seeds([1.1, 1.1, 1.1]), incumbent: seeds([1.2244]) });
    expect(v.ready).toBe(false);
    expect(v.pValue).toBeNull();
    expect(v.reason).toContain("no spread");
  });

  it("accepts a looser alpha when asked", () => {
    // Gain 0.0124 val_bpb, sd 0.002 over 3 seeds: t = -4.5 against incumbent - margin, p about 0.02.
    const candidate = seeds([1.21, 1.214, 1.212]);
    const strict = significanceVerdict({ candidate, incumbent: seeds([1.2244]) });
    const loose = significanceVerdict({ candidate, incumbent: seeds([1.2244]), alpha: 0.25 });
    expect(strict.pValue).toBe(loose.pValue);
    expect(strict.pValue).toBeGreaterThan(0.01);
    expect(strict.ready).toBe(false);
    expect(loose.ready).toBe(true);
  });

  it("rejects scores that are not positive finite numbers", () => {
    expect(() => significanceVerdict({ candidate: seeds([Number.NaN]), incumbent: seeds([1.2]) })).toThrow(
      /candidate seed 0 has val_bpb NaN/,
    );
    expect(() => significanceVerdict({ candidate: [], incumbent: seeds([1.2]) })).toThrow(/no scores/);
  });
});
