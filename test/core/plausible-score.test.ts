import { describe, expect, it } from "vitest";
import { byteCountProblem, implausiblyLow, valBpbProblem } from "../../src/core/plausible-score.ts";

describe("the one range rule for scores and sizes", () => {
  it("accepts finite positive scores and refuses everything else with a reason", () => {
    expect(valBpbProblem(1.2243657)).toBeNull();
    expect(valBpbProblem(7.5)).toBeNull();
    expect(valBpbProblem(-1)).toBe("val_bpb must be positive, got -1.00000000");
    expect(valBpbProblem(0)).toBe("val_bpb must be positive, got 0.00000000");
    expect(valBpbProblem(Number.NaN)).toContain("finite");
    expect(valBpbProblem(Number.POSITIVE_INFINITY)).toContain("finite");
    expect(valBpbProblem("1.2")).toContain("must be a number");
    expect(valBpbProblem(null)).toContain("null");
  });

  it("accepts whole non-negative byte counts up to a cap", () => {
    expect(byteCountProblem(0, "model_bytes")).toBeNull();
    expect(byteCountProblem(15_999_999, "model_bytes", 16_000_000)).toBeNull();
    expect(byteCountProblem(-1, "model_bytes")).toContain("0 or more, got -1");
    expect(byteCountProblem(1.5, "model_bytes")).toContain("whole number");
    expect(byteCountProblem(2 ** 60, "model_bytes")).not.toBeNull();
    expect(byteCountProblem(17_000_000, "model_bytes", 16_000_000)).toContain("at most 16000000");
    expect(byteCountProblem("12", "code_bytes")).toContain("code_bytes");
  });

  it("flags scores below what the tier can reach, and only those", () => {
    expect(implausiblyLow(1.2, "proxy")).toBeNull();
    expect(implausiblyLow(0.95, "full")).toBeNull();
    expect(implausiblyLow(0.93, "proxy")).toContain("below 0.9500");
    expect(implausiblyLow(0.5, "full")).toContain("most likely a broken evaluation");
    expect(implausiblyLow(0.5, "some-other-tier")).not.toBeNull();
  });
});
