import { describe, expect, it } from "vitest";
import type { LedgerRow } from "../../src/core/ledger.ts";
import {
  criticalValue,
  describeNoise,
  pooledNoise,
  sdOfDifference,
  tierNoise,
} from "../../src/core/noise.ts";
import { normalCdf, studentTCdf, studentTQuantile } from "../../src/core/statistics.ts";

describe("pooledNoise", () => {
  it("pools the within-group squared deviations over sum(n - 1)", () => {
    // [1, 3]: mean 2, SS 2, df 1. [2, 4, 6]: mean 4, SS 8, df 2. Pooled variance 10 / 3.
    const noise = pooledNoise([[1, 3], [2, 4, 6], [7]]);
    expect(noise.df).toBe(3);
    expect(noise.runs).toBe(5);
    expect(noise.sigma).toBeCloseTo(Math.sqrt(10 / 3), 12);
  });

  it("has no estimate until some group is repeated", () => {
    expect(pooledNoise([[3.1], [3.2]])).toEqual({ sigma: null, df: 0, runs: 0 });
    expect(pooledNoise([])).toEqual({ sigma: null, df: 0, runs: 0 });
  });

  it("is exact when scores agree to many digits", () => {
    const noise = pooledNoise([[1.000000001, 1.000000003]]);
    expect(noise.sigma).toBeCloseTo(Math.SQRT2 * 1e-9, 16);
  });

  it("is zero for identical repeats (a deterministic course)", () => {
    expect(pooledNoise([[2.5, 2.5]]).sigma).toBe(0);
  });
});

describe("sdOfDifference", () => {
  it("is sigma x sqrt(1/nA + 1/nB)", () => {
    // sqrt(10/3) x sqrt(1/2 + 1/3) = sqrt(50/18)
    expect(sdOfDifference(Math.sqrt(10 / 3), 2, 3)).toBeCloseTo(Math.sqrt(50 / 18), 12);
    expect(sdOfDifference(0.01, 1, 1)).toBeCloseTo(0.01 * Math.SQRT2, 15);
  });
});

describe("criticalValue", () => {
  it("is k itself with unlimited degrees of freedom", () => {
    expect(criticalValue(2, Infinity)).toBe(2);
  });

  it("is the Student-t quantile at the level of k: closed form tan(pi (p - 1/2)) at one df", () => {
    const p = normalCdf(2);
    expect(p).toBeCloseTo(0.97725, 5);
    expect(criticalValue(2, 1)).toBeCloseTo(Math.tan(Math.PI * (p - 0.5)), 5);
    expect(criticalValue(2, 1)).toBeCloseTo(13.97, 1);
    // Two df: t = (2p - 1) / sqrt(2 p (1 - p)) (closed form of the t_2 quantile).
    expect(criticalValue(2, 2)).toBeCloseTo((2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 5);
  });

  it("falls toward k as the degrees of freedom grow", () => {
    const values = [1, 2, 5, 30, 1000].map((df) => criticalValue(2, df));
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeLessThan(values[i - 1] ?? 0);
    expect(values.at(-1)).toBeCloseTo(2, 2);
  });
});

describe("studentTQuantile", () => {
  it("inverts studentTCdf and knows the tables", () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706, 3);
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(4.303, 3);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228, 3);
    expect(studentTQuantile(0.975, Infinity)).toBeCloseTo(1.96, 3);
    expect(studentTCdf(studentTQuantile(0.9, 4.5), 4.5)).toBeCloseTo(0.9, 9);
    expect(studentTQuantile(0.5, 3)).toBeCloseTo(0, 6);
  });

  it("refuses levels outside (0, 1)", () => {
    expect(() => studentTQuantile(1, 3)).toThrow(RangeError);
    expect(() => studentTQuantile(0.5, 0)).toThrow(RangeError);
  });
});

function row(
  experiment: string,
  valBpb: number | null,
  status: LedgerRow["status"],
  seed = 1,
  tier = "proxy",
): LedgerRow {
  return {
    experiment,
    commit: experiment,
    tier,
    seed,
    val_bpb: valBpb,
    artifact_bytes: 1,
    memory_gb: null,
    seconds: 1,
    status,
    promoted: false,
    cost_usd: null,
    claimed_val_bpb: null,
    flags: [],
    description: "",
  };
}

describe("tierNoise", () => {
  it("pools the kept experiments' repeats on one tier only", () => {
    const rows = [
      row("exp-000", 3.0, "keep", 1),
      row("exp-000", 3.2, "keep", 2),
      row("exp-001", 2.0, "discard", 1),
      row("exp-001", 9.0, "discard", 2), // a discarded candidate's spread is not the line's noise
      row("exp-002", 2.9, "keep", 1),
      row("exp-002", 2.9, "keep", 2, "confirm"),
      row("exp-002", null, "keep", 3),
    ];
    const noise = tierNoise(rows, "proxy");
    expect(noise.df).toBe(1);
    expect(noise.sigma).toBeCloseTo(0.2 / Math.SQRT2, 12);
    expect(describeNoise(noise)).toBe("sigma 0.1414 from 2 runs (1 df)");
    expect(describeNoise(tierNoise(rows, "confirm"))).toBe("no noise estimate yet (no run repeated)");
  });
});
