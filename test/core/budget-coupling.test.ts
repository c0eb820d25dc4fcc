import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { budgetCoupling } from "../../src/core/budget-coupling.ts";
import { changeClass } from "../../src/core/change-class.ts";
import { confirmationBudget } from "../../src/core/confirmation-budget.ts";
import { setHyperparameters } from "../../src/core/hyperparameters.ts";
import { fixture, hasShared, repoRoot, sharedMissing } from "../helpers/shared.ts";

const golfMini = readFileSync(path.join(repoRoot, "python", "golf_mini", "train_gpt.py"), "utf8");

// Our own sample in the shapes of a record script: the knob's name says nothing; the schedule reads it.
const custom = `import os
class Hyperparameters:
    lr = float(os.environ.get("LR", 0.04))
    tail = int(os.environ.get("TAIL", 300))
    depth = int(os.environ.get("DEPTH", 9))

args = Hyperparameters()

def get_lr(step, total):
    if step > total - args.tail:
        return args.lr * (total - step) / args.tail
    return args.lr

def train():
    width = args.depth * 64
`;

describe("budgetCoupling", () => {
  it("catches golf_mini's warm-down by name and its schedule code's settings", () => {
    const after = setHyperparameters(golfMini, { WARMDOWN_ITERS: "50" });
    const c = budgetCoupling(golfMini, after);
    expect(c.coupled).toBe(true);
    expect(c.changes).toEqual([{ name: "WARMDOWN_ITERS", from: "200", to: "50" }]);
    expect(c.stepValues).toEqual([200, 50]);
    expect(c.reason).toMatch(/^budget-coupled: WARMDOWN_ITERS 200 -> 50 depends on the run's length/);
    expect(changeClass(golfMini, after, c)).toBe("schedule");
  });

  it("leaves ordinary settings alone and classes them", () => {
    for (const [changes, kind] of [
      [{ MATRIX_LR: "0.009" }, "optimizer"],
      [{ MODEL_DIM: "192" }, "model"],
      [{ TRAIN_BATCH_TOKENS: "2048" }, "batch"],
      [{ MODEL_DIM: "192", EMBED_LR: "0.009" }, "mixed"],
    ] as const) {
      const after = setHyperparameters(golfMini, changes);
      const c = budgetCoupling(golfMini, after);
      expect(c.coupled).toBe(false);
      expect(c.reason).toBe("");
      expect(changeClass(golfMini, after, c)).toBe(kind);
    }
  });

  it("finds a knob that only the schedule code reveals, and a float it reads is not a length", () => {
    const c = budgetCoupling(custom, custom.replace('"TAIL", 300', '"TAIL", 30'));
    expect(c.changes).toEqual([{ name: "TAIL", from: "300", to: "30" }]);
    expect(budgetCoupling(custom, custom.replace('"LR", 0.04', '"LR", 0.05')).coupled).toBe(false);
    expect(budgetCoupling(custom, custom.replace('"DEPTH", 9', '"DEPTH", 11')).coupled).toBe(false);
  });

  it("counts an edit of the schedule function itself", () => {
    const after = custom.replace("return args.lr * (total - step) / args.tail", "return args.lr * 0.5");
    const c = budgetCoupling(custom, after);
    expect(c.scheduleCode).toEqual(["get_lr"]);
    expect(c.reason).toContain("the schedule code (get_lr)");
    expect(changeClass(custom, after, c)).toBe("schedule");
  });

  it("counts a changed line elsewhere that uses a coupled knob", () => {
    const after = custom.replace(
      "    width = args.depth * 64",
      "    width = args.depth * 64\n    args.tail = 5",
    );
    const c = budgetCoupling(custom, after);
    expect(c.usedBy).toEqual(["TAIL"]);
    expect(c.coupled).toBe(true);
  });

  it("calls a free code edit code", () => {
    const after = custom.replace("width = args.depth * 64", "width = args.depth * 96");
    expect(changeClass(custom, after, budgetCoupling(custom, after))).toBe("code");
  });

  it("takes the configured patterns", () => {
    const after = custom.replace('"DEPTH", 9', '"DEPTH", 11');
    expect(budgetCoupling(custom, after, ["^DEPTH$"]).coupled).toBe(true);
  });

  describe.skipIf(!hasShared)(hasShared ? "on openai/parameter-golf's root script" : sharedMissing, () => {
    it("catches WARMDOWN_ITERS 1200 -> 200 (the 30 s proxy's artifact)", () => {
      const root = readFileSync(fixture("parameter-golf", "scripts", "train_gpt.py"), "utf8");
      const after = setHyperparameters(root, { WARMDOWN_ITERS: "200" });
      const c = budgetCoupling(root, after);
      expect(c.changes).toEqual([{ name: "WARMDOWN_ITERS", from: "1200", to: "200" }]);
      // At ~83 proxy steps a 1200-step knob needs 4,800 steps to be a quarter of the run: 58x.
      const plan = confirmationBudget({
        stepValues: c.stepValues,
        proxySteps: 83,
        factor: 4,
        maxFactor: 16,
        knobShare: 0.25,
      });
      expect(plan).toMatchObject({ feasible: false, factor: 58, neededSteps: 4800 });
      // The schedule reads iterations too; the learning rates and the model width are not lengths.
      const lr = budgetCoupling(root, setHyperparameters(root, { MATRIX_LR: "0.05", MODEL_DIM: "640" }));
      expect(lr.coupled).toBe(false);
      expect(budgetCoupling(root, setHyperparameters(root, { ITERATIONS: "9000" })).coupled).toBe(true);
    });
  });
});

describe("confirmationBudget", () => {
  it("uses the configured factor when the knobs fit", () => {
    expect(
      confirmationBudget({ stepValues: [20, 10], proxySteps: 60, factor: 4, maxFactor: 16, knobShare: 0.25 }),
    ).toEqual({
      factor: 4,
      feasible: true,
      neededSteps: 80,
      reason: "confirm at 4x the proxy budget (~240 steps, so 20 steps is at most 25% of the run)",
    });
  });

  it("grows the factor until the longest knob is a quarter of the run", () => {
    // 200 steps / 0.25 = 800 steps = 13.3x a 60-step proxy -> 14x.
    expect(
      confirmationBudget({
        stepValues: [200, 50],
        proxySteps: 60,
        factor: 4,
        maxFactor: 16,
        knobShare: 0.25,
      }),
    ).toMatchObject({
      factor: 14,
      feasible: true,
      neededSteps: 800,
    });
  });

  it("says so when not even the largest factor is enough", () => {
    const plan = confirmationBudget({
      stepValues: [1200],
      proxySteps: 83,
      factor: 4,
      maxFactor: 16,
      knobShare: 0.25,
    });
    expect(plan.feasible).toBe(false);
    expect(plan.reason).toBe(
      "a length of 1200 steps needs a run of at least 4800 steps to be 25% of it, 58x the proxy's 83 steps, beyond the 16x the confirmation allows",
    );
  });

  it("falls back to the factor without step values or a step count", () => {
    expect(
      confirmationBudget({ stepValues: [], proxySteps: 60, factor: 4, maxFactor: 16, knobShare: 0.25 })
        .reason,
    ).toBe("confirm at 4x the proxy budget (no step-count value changed)");
    expect(
      confirmationBudget({ stepValues: [500], proxySteps: null, factor: 4, maxFactor: 16, knobShare: 0.25 })
        .factor,
    ).toBe(4);
  });
});
