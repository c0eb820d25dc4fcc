import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  logGamma,
  mean,
  meanDelta,
  oneSampleTTestLess,
  pearson,
  ranks,
  regularizedIncompleteBeta,
  spearman,
  std,
  studentTCdf,
  welchTTestLess,
} from "../../src/core/statistics.ts";

describe("mean and std", () => {
  it("return null when there is too little data", () => {
    expect(mean([])).toBeNull();
    expect(std([])).toBeNull();
    expect(std([1.2])).toBeNull();
  });

  it("use the sample (n - 1) standard deviation", () => {
    // 2, 4, 4, 4, 5, 5, 7, 9: population sd 2, sample sd sqrt(32 / 7).
    expect(mean([2, 4, 4, 4, 5, 5, 7, 9])).toBe(5);
    expect(std([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
  });
});

describe("logGamma and the incomplete beta function", () => {
  it("match Gamma at whole and half-integer points", () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(logGamma(0.1)).toBeCloseTo(Math.log(9.513507698668732), 10);
  });

  it("agree with the closed forms I_x(a, 1) = x^a and I_x(1, b) = 1 - (1 - x)^b", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.double({ min: 0.1, max: 50, noNaN: true }),
        (x, a) => {
          expect(regularizedIncompleteBeta(x, a, 1)).toBeCloseTo(x ** a, 10);
          expect(regularizedIncompleteBeta(x, 1, a)).toBeCloseTo(1 - (1 - x) ** a, 10);
        },
      ),
    );
  });

  it("satisfies the symmetry I_x(a, b) = 1 - I_(1-x)(b, a)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.double({ min: 0.2, max: 30, noNaN: true }),
        fc.double({ min: 0.2, max: 30, noNaN: true }),
        (x, a, b) => {
          expect(regularizedIncompleteBeta(x, a, b)).toBeCloseTo(
            1 - regularizedIncompleteBeta(1 - x, b, a),
            9,
          );
        },
      ),
    );
  });
});

describe("studentTCdf", () => {
  it("matches the closed forms for 1, 2 and 3 degrees of freedom", () => {
    for (const t of [-12, -3.1, -1, -0.2, 0, 0.7, 2.5, 9]) {
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 12);
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 12);
      const u = t / Math.sqrt(3);
      expect(studentTCdf(t, 3)).toBeCloseTo(0.5 + (u / (1 + u * u) + Math.atan(u)) / Math.PI, 12);
    }
  });

  it("matches published t-table quantiles", () => {
    // t_{0.99, 4} = 3.746947, t_{0.975, 10} = 2.228139, t_{0.995, 30} = 2.749996.
    expect(studentTCdf(3.746947, 4)).toBeCloseTo(0.99, 6);
    expect(studentTCdf(-2.228139, 10)).toBeCloseTo(0.025, 6);
    expect(studentTCdf(2.749996, 30)).toBeCloseTo(0.995, 6);
  });

  it("tends to the normal distribution for large df", () => {
    // Phi(-2.326348) = 0.01.
    expect(studentTCdf(-2.326348, 1e7)).toBeCloseTo(0.01, 6);
  });
});

describe("welchTTestLess", () => {
  // R: t.test(extra ~ group, data = sleep) -> t = -1.8608, df = 17.776, p = 0.07939 (two-sided).
  const group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
  const group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

  it("reproduces R's Welch test on the sleep data", () => {
    const r = welchTTestLess(group1, group2);
    expect(r).not.toBeNull();
    expect(r?.t).toBeCloseTo(-1.8608, 4);
    expect(r?.df).toBeCloseTo(17.776, 3);
    expect(r?.pValue).toBeCloseTo(0.07939 / 2, 5);
    expect(r?.diff).toBeCloseTo(-1.58, 10);
  });

  it("gives the complementary p-value when the samples swap", () => {
    const forward = welchTTestLess(group1, group2);
    const backward = welchTTestLess(group2, group1);
    expect((forward?.pValue ?? 0) + (backward?.pValue ?? 0)).toBeCloseTo(1, 12);
  });

  it("shifts the null hypothesis by the margin", () => {
    const plain = welchTTestLess([1.0, 1.01, 1.02], [1.1, 1.11, 1.12]);
    const demanding = welchTTestLess([1.0, 1.01, 1.02], [1.1, 1.11, 1.12], 0.1);
    expect(plain?.pValue).toBeLessThan(0.001);
    expect(demanding?.t).toBeCloseTo(0, 9);
    expect(demanding?.pValue).toBeCloseTo(0.5, 9);
  });

  it("returns null with under two values on a side or no spread at all", () => {
    expect(welchTTestLess([1.2], [1.3, 1.31])).toBeNull();
    expect(welchTTestLess([1.2, 1.21], [1.3])).toBeNull();
    expect(welchTTestLess([1.2, 1.2], [1.3, 1.3])).toBeNull();
  });
});

describe("oneSampleTTestLess", () => {
  it("reproduces the significance note of the LongContextSeq2048 record", () => {
    // README: three seeds against 1.2243657 - 0.005 = 1.2193657: t = 31.42 (reported as a positive gap), df 2, p = 0.00051.
    const r = oneSampleTTestLess([1.20576485, 1.2061746, 1.20715923], 1.2243657, 0.005);
    expect(r?.df).toBe(2);
    expect(r?.t).toBeCloseTo(-31.42, 2);
    expect(r?.pValue).toBeCloseTo(0.00051, 5);
  });

  it("reproduces the p-value printed by the LoRA TTT record", () => {
    // README: bpb [1.1927, 1.1935, 1.1921, 1.1929], "p-value < 1.195: 0.00234486".
    const r = oneSampleTTestLess([1.1927, 1.1935, 1.1921, 1.1929], 1.195);
    expect(r?.pValue).toBeCloseTo(0.00234486, 6);
  });

  it("returns null for one value or no spread", () => {
    expect(oneSampleTTestLess([1.2], 1.3)).toBeNull();
    expect(oneSampleTTestLess([1.2, 1.2, 1.2], 1.3)).toBeNull();
  });
});

describe("correlation", () => {
  it("pearson is 1 for a rising line and -1 for a falling one", () => {
    expect(pearson([1, 2, 3, 4], [3, 5, 7, 9])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3, 4], [9, 7, 5, 3])).toBeCloseTo(-1, 12);
  });

  it("pearson matches a worked example", () => {
    // x = 1..5, y = 2, 4, 5, 4, 5: r = 6 / sqrt(10 * 6) = 0.7745967.
    expect(pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])).toBeCloseTo(6 / Math.sqrt(60), 12);
  });

  it("spearman sees a monotone curve as perfect while pearson does not", () => {
    const xs = [1, 2, 3, 4, 5, 6];
    const ys = xs.map((x) => Math.exp(x));
    expect(spearman(xs, ys)).toBeCloseTo(1, 12);
    expect(pearson(xs, ys)).toBeLessThan(0.95);
  });

  it("averages tied ranks", () => {
    expect(ranks([10, 20, 20, 30])).toEqual([1, 2.5, 2.5, 4]);
    expect(ranks([3, 1, 2])).toEqual([3, 1, 2]);
  });

  it("returns null under three pairs or without spread", () => {
    expect(pearson([1, 2], [2, 1])).toBeNull();
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(spearman([1, 2, 3], [5, 5, 5])).toBeNull();
  });

  it("refuses samples of different lengths", () => {
    expect(() => pearson([1, 2, 3], [1, 2])).toThrow(RangeError);
  });
});

describe("meanDelta", () => {
  it("averages after minus before and is null without pairs", () => {
    expect(
      meanDelta([
        { before: 1.3, after: 1.2 },
        { before: 1.5, after: 1.2 },
      ]),
    ).toBeCloseTo(-0.2, 12);
    expect(meanDelta([])).toBeNull();
  });
});
