import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decide, estimateNoise, noiseThreshold, type DecideInput } from "../../src/core/decide.ts";

function input(overrides: Partial<DecideInput> = {}): DecideInput {
  return { status: "ok", valBpb: 1.22, gateOk: true, incumbent: 1.2244, threshold: 0.001, ...overrides };
}

describe("decide", () => {
  it("keeps a run better than the incumbent by more than the threshold", () => {
    const decision = decide(input({ valBpb: 1.22 }));
    expect(decision.verdict).toBe("keep");
    expect(decision.delta).toBeCloseTo(-0.0044, 12);
    expect(decision.reason).toBe(
      "val_bpb 1.2200 vs the incumbent 1.2244: better by 0.0044 (threshold 0.0010)",
    );
  });

  it("discards a gain equal to the threshold, even when float rounding makes it look larger", () => {
    // 1.2244 - 1.2234 rounds to 0.0009999999999998899, but 1.22 - 1.21 to 0.010000000000000009.
    expect(decide(input({ valBpb: 1.2234 })).verdict).toBe("discard");
    expect(decide(input({ valBpb: 1.21, incumbent: 1.22, threshold: 0.01 })).verdict).toBe("discard");
    expect(decide(input({ valBpb: 1.2233 })).verdict).toBe("keep");
  });

  it("discards a gain within the threshold and says so", () => {
    const decision = decide(input({ valBpb: 1.224 }));
    expect(decision.verdict).toBe("discard");
    expect(decision.reason).toBe(
      "val_bpb 1.2240 vs the incumbent 1.2244: better by only 0.0004, within the threshold 0.0010",
    );
  });

  it("discards a worse or equal run and names by how much", () => {
    expect(decide(input({ valBpb: 1.23 })).reason).toBe(
      "val_bpb 1.2300 vs the incumbent 1.2244: worse by 0.0056",
    );
    expect(decide(input({ valBpb: 1.2244 })).reason).toBe(
      "val_bpb 1.2244 vs the incumbent 1.2244: no change",
    );
    expect(decide(input({ valBpb: 1.23 })).delta).toBeCloseTo(0.0056, 12);
  });

  it("shows gains far below 0.0001 with significant digits instead of zeros", () => {
    const decision = decide(input({ valBpb: 1.22438, threshold: 0.00001 }));
    expect(decision.verdict).toBe("keep");
    expect(decision.reason).toBe(
      "val_bpb 1.2244 vs the incumbent 1.2244: better by 0.000020 (threshold 0.000010)",
    );
  });

  it("keeps the first scored run as the baseline", () => {
    expect(decide(input({ incumbent: null, valBpb: 3.5473 }))).toEqual({
      verdict: "keep",
      reason: "baseline: first scored run, val_bpb 3.5473",
      delta: null,
    });
  });

  it("discards a run over the cap whatever its score, naming the bytes", () => {
    const decision = decide(
      input({ valBpb: 1.0, gateOk: false, artifactBytes: 16_012_345, limitBytes: 16_000_000 }),
    );
    expect(decision.verdict).toBe("discard");
    expect(decision.reason).toBe("artifact is 16,012,345 bytes, over the 16,000,000-byte cap by 12,345");
    expect(decision.delta).toBeCloseTo(-0.2244, 12);
  });

  it("discards a baseline over the cap too: nothing over the cap is ever kept", () => {
    const decision = decide(
      input({ incumbent: null, gateOk: false, artifactBytes: 17_000_000, limitBytes: 16_000_000 }),
    );
    expect(decision.verdict).toBe("discard");
    expect(decision.delta).toBeNull();
  });

  it("says the size is unknown when the gate failed without a measured artifact", () => {
    expect(decide(input({ gateOk: false })).reason).toBe(
      "artifact gate failed: the artifact size is unknown (no model file measured)",
    );
  });

  it("calls a crash a crash, with the error line folded to one line", () => {
    const decision = decide(
      input({
        status: "crash",
        valBpb: null,
        gateOk: false,
        error: "ValueError: model_dim must be\n divisible by num_heads",
      }),
    );
    expect(decision).toEqual({
      verdict: "crash",
      reason: "crashed: ValueError: model_dim must be divisible by num_heads",
      delta: null,
    });
    expect(decide(input({ status: "crash", valBpb: 1.2 })).reason).toBe("crashed");
  });

  it("calls a run without a score a crash even when it exited cleanly", () => {
    expect(decide(input({ valBpb: null })).reason).toBe("no val_bpb in the run log");
    expect(decide(input({ valBpb: Number.NaN })).verdict).toBe("crash");
  });

  it("refuses a negative or non-finite threshold", () => {
    expect(() => decide(input({ threshold: -0.001 }))).toThrow(RangeError);
    expect(() => decide(input({ threshold: Number.NaN }))).toThrow(RangeError);
  });
});

describe("noiseThreshold", () => {
  it("is min_delta while sigma is unknown or small, and k x sigma when noise dominates", () => {
    expect(noiseThreshold({ minDelta: 0.001, k: 2, sigma: null })).toBe(0.001);
    expect(noiseThreshold({ minDelta: 0.001, k: 2, sigma: 0.0002 })).toBe(0.001);
    expect(noiseThreshold({ minDelta: 0.001, k: 2, sigma: 0.003 })).toBe(0.006);
  });

  it("refuses negative or non-finite inputs, naming the bad one", () => {
    expect(() => noiseThreshold({ minDelta: -1, k: 2, sigma: null })).toThrow(/minDelta/);
    expect(() => noiseThreshold({ minDelta: 0.001, k: Number.POSITIVE_INFINITY, sigma: 0.1 })).toThrow(
      /\bk\b/,
    );
    expect(() => noiseThreshold({ minDelta: 0.001, k: 2, sigma: Number.NaN })).toThrow(/sigma/);
  });
});

describe("estimateNoise", () => {
  it("is the sample standard deviation (n - 1) of the finite scores", () => {
    // mean 1.2, deviations -0.01, 0, 0.01: sum of squares 0.0002 over n - 1 = 2.
    expect(estimateNoise([1.19, 1.2, 1.21])).toBeCloseTo(0.01, 12);
    expect(estimateNoise([1.19, Number.NaN, 1.21, Number.POSITIVE_INFINITY])).toBeCloseTo(
      Math.sqrt(0.0002),
      12,
    );
  });

  it("is null with fewer than two finite scores", () => {
    expect(estimateNoise([])).toBeNull();
    expect(estimateNoise([1.2])).toBeNull();
    expect(estimateNoise([1.2, Number.NaN])).toBeNull();
  });

  it("stays accurate for scores that agree to many digits", () => {
    expect(estimateNoise([1.22436571, 1.22436569])).toBeCloseTo(Math.SQRT2 * 1e-8, 15);
  });

  it("does not move when every score shifts by the same amount, and scales with them", () => {
    const scores = fc.array(fc.double({ min: 0.5, max: 5, noNaN: true }), { minLength: 2, maxLength: 12 });
    fc.assert(
      fc.property(scores, fc.double({ min: -1, max: 1, noNaN: true }), (values, shift) => {
        const sigma = estimateNoise(values) ?? Number.NaN;
        expect(sigma).toBeGreaterThanOrEqual(0);
        expect(estimateNoise(values.map((v) => v + shift))).toBeCloseTo(sigma, 9);
        expect(estimateNoise(values.map((v) => v * 3))).toBeCloseTo(sigma * 3, 9);
      }),
    );
  });
});

describe("decide properties", () => {
  const score = fc.double({ min: 0.5, max: 5, noNaN: true });
  const threshold = fc.double({ min: 0, max: 0.05, noNaN: true });

  it("keeps exactly when the gate passes and the gain beats the threshold", () => {
    fc.assert(
      fc.property(score, score, threshold, fc.boolean(), (valBpb, incumbent, t, gateOk) => {
        const decision = decide({ status: "ok", valBpb, incumbent, threshold: t, gateOk });
        const gain = incumbent - valBpb;
        if (!gateOk || gain <= t) expect(decision.verdict).toBe("discard");
        if (gateOk && gain > t + 1e-9) expect(decision.verdict).toBe("keep");
        expect(decision.delta).toBe(valBpb - incumbent);
        expect(decision.reason).not.toMatch(/\n/);
      }),
    );
  });

  it("never keeps a run that a stricter threshold would keep but a looser one would not", () => {
    fc.assert(
      fc.property(score, score, threshold, threshold, (valBpb, incumbent, a, b) => {
        const [loose, strict] = a <= b ? [a, b] : [b, a];
        const keeps = (t: number) =>
          decide({ status: "ok", valBpb, incumbent, threshold: t, gateOk: true }).verdict === "keep";
        if (keeps(strict)) expect(keeps(loose)).toBe(true);
      }),
    );
  });
});
