import { describe, expect, it } from "vitest";
import { budgetKind, scaleBudget } from "../../src/core/tier-budget.ts";

describe("tier budget", () => {
  it("is in steps when ITERATIONS is set, the wall-clock cap then being a safety net", () => {
    expect(budgetKind({ ITERATIONS: "${CADDIE_STEPS}", MAX_WALLCLOCK_SECONDS: "300" })).toBe("steps");
    expect(budgetKind({ MAX_WALLCLOCK_SECONDS: "30" })).toBe("seconds");
    expect(budgetKind({ DATA_PATH: "x" })).toBe("none");
  });

  it("scales both budget values and nothing else", () => {
    expect(scaleBudget({ ITERATIONS: "150", MAX_WALLCLOCK_SECONDS: "30.5", SEED: "1" }, 4)).toEqual({
      ITERATIONS: "600",
      MAX_WALLCLOCK_SECONDS: "122",
      SEED: "1",
    });
    expect(scaleBudget({ ITERATIONS: "7", MAX_WALLCLOCK_SECONDS: "0" }, 1.5)).toEqual({
      ITERATIONS: "11",
      MAX_WALLCLOCK_SECONDS: "0",
    });
    expect(scaleBudget({ MAX_WALLCLOCK_SECONDS: "soon" }, 2)).toEqual({ MAX_WALLCLOCK_SECONDS: "soon" });
    expect(() => scaleBudget({}, 0)).toThrow(RangeError);
  });
});
