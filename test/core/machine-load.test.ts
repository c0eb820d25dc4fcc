import { describe, expect, it } from "vitest";
import { machineLoadFlag, stepMs } from "../../src/core/machine-load.ts";
import { criticalValue } from "../../src/core/noise.ts";

const base = {
  incumbentBefore: [100, 100],
  incumbentNow: 100,
  candidate: 100,
  sameSpeedExpected: false,
  k: 2,
};

describe("machineLoadFlag", () => {
  it("stays quiet when the incumbent runs as before, even if the change itself is slower", () => {
    expect(machineLoadFlag({ ...base, candidate: 180 })).toBeNull();
  });

  it("flags a machine that got slower, never tighter than 10%", () => {
    expect(machineLoadFlag({ ...base, incumbentNow: 109 })).toBeNull();
    expect(machineLoadFlag({ ...base, incumbentNow: 111 })).toMatch(
      /^machine load: the incumbent re-run in the same period took 111\.0 ms\/step against 100\.0 ms\/step in its 2 earlier run\(s\)/,
    );
  });

  it("widens the bar to the spread of the earlier runs (Student-t on the logs, hand-computed)", () => {
    // logs of 100 and 120: mean ln(109.54), sd |ln 1.2| / sqrt 2; bar = c(2, 1) x sd x sqrt(1 + 1/2).
    const sd = Math.log(1.2) / Math.SQRT2;
    const bar = criticalValue(2, 1) * sd * Math.sqrt(1.5);
    const centre = Math.sqrt(100 * 120);
    const inside = centre * Math.exp(bar * 0.99);
    const outside = centre * Math.exp(bar * 1.01);
    const input = { ...base, incumbentBefore: [100, 120] };
    expect(machineLoadFlag({ ...input, incumbentNow: inside, candidate: inside })).toBeNull();
    expect(machineLoadFlag({ ...input, incumbentNow: outside, candidate: outside })).not.toBeNull();
  });

  it("flags a change that cannot alter the step time but ran at another one than the incumbent now", () => {
    const input = { ...base, sameSpeedExpected: true };
    expect(machineLoadFlag({ ...input, candidate: 105 })).toBeNull();
    expect(machineLoadFlag({ ...input, candidate: 130 })).toMatch(
      /^machine load: a change that cannot alter the step time ran at 130\.0 ms\/step/,
    );
  });

  it("says nothing without a step time to compare", () => {
    expect(machineLoadFlag({ ...base, incumbentBefore: [] })).toBeNull();
    expect(stepMs({ train_time_ms: 600, steps: 60 })).toBe(10);
    expect(stepMs({ train_time_ms: null, steps: 60 })).toBeNull();
    expect(stepMs({ train_time_ms: 600, steps: 0 })).toBeNull();
  });
});
