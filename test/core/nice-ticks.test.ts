import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { niceStep, niceTicks } from "../../src/core/nice-ticks.ts";

describe("niceStep", () => {
  it("rounds a step up to 1, 2 or 5 times a power of ten", () => {
    expect([0.0013, 0.002, 0.0031, 0.7, 12, 51].map(niceStep)).toEqual([0.002, 0.002, 0.005, 1, 20, 100]);
    expect(niceStep(0)).toBe(1);
    expect(niceStep(Number.NaN)).toBe(1);
  });
});

describe("niceTicks", () => {
  it("covers a val_bpb range with round, evenly spaced ticks and the decimals they need", () => {
    const { ticks, decimals, lo, hi } = niceTicks(1.1819, 1.2244, 5);
    expect(ticks).toEqual([1.17, 1.18, 1.19, 1.2, 1.21, 1.22, 1.23]);
    expect(decimals).toBe(2);
    expect(lo).toBeLessThan(1.1819);
    expect(hi).toBeGreaterThan(1.2244);
  });

  it("widens a flat range instead of dividing by zero", () => {
    const { ticks, lo, hi } = niceTicks(3.5, 3.5, 5);
    expect(hi).toBeGreaterThan(lo);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
  });

  it("widens a range below floating-point resolution instead of failing to span it", () => {
    const min = 0.010470814471111178;
    const { lo, hi, ticks } = niceTicks(min, min + 8.673617379884035e-19, 5);
    expect(lo).toBeLessThanOrEqual(min);
    expect(hi).toBeGreaterThanOrEqual(min + 8.673617379884035e-19);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
  });

  it("always spans [min, max] with between 2 and 15 ticks", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        (min, spread) => {
          const { lo, hi, ticks } = niceTicks(min, min + spread, 5);
          expect(lo).toBeLessThanOrEqual(min);
          expect(hi).toBeGreaterThanOrEqual(min + spread);
          expect(ticks.length).toBeGreaterThanOrEqual(2);
          expect(ticks.length).toBeLessThanOrEqual(15);
        },
      ),
    );
  });
});
