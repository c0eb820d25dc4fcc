import { describe, expect, it } from "vitest";
import { trackRunTiming } from "../../src/core/run-timing.ts";
import { overBudget } from "../../src/core/over-budget.ts";

/** Feeds [seconds after spawn, line] pairs and the exit time. */
function timing(lines: [number, string][], exit: number) {
  const t = trackRunTiming();
  for (const [at, line] of lines) t.line(line, at);
  return t.finish(exit);
}

// The root script's shape: warm-up (compile) lines, a step-0 evaluation, sparse train lines, the final
// evaluation, serialization and the round-trip score.
const ROOT: [number, string][] = [
  [2, "logs/x.txt"],
  [40, "warmup_step:20/20"],
  [55, "step:0/20000 val_loss:6.9387 val_bpb:4.3395 train_time:0ms step_avg:0.01ms"],
  [55.4, "step:1/20000 train_loss:6.9349 train_time:344ms step_avg:343.76ms"],
  [125.4, "step:200/20000 train_loss:1.3064 train_time:70327ms step_avg:351.64ms"],
  [152, "step:256/20000 val_loss:5.4812 val_bpb:3.4280 train_time:90081ms step_avg:351.88ms"],
  [152, "stopping_early: wallclock_cap train_time:90081ms step:256/20000"],
  [170, "Total submission size int8+zlib: 8483863 bytes"],
  [190, "final_int8_zlib_roundtrip_exact val_loss:5.67205477 val_bpb:3.54733956"],
];

describe("trackRunTiming", () => {
  it("splits a root-script run into start-up, training, evaluation and exit", () => {
    const t = timing(ROOT, 193);
    expect(t.wallSeconds).toBe(193);
    expect(t.trainLoopSeconds).toBeCloseTo(90.081, 3);
    expect(t.steps).toBe(256);
    expect(t.phases.startup).toBeCloseTo(55, 3);
    // Training ends about 19.75 s (90081 - 70327 ms) after the last train line at 125.4 s.
    expect(t.phases.training).toBeCloseTo(125.4 + 19.754 - 55, 2);
    expect(t.phases.evaluation).toBeCloseTo(190 - (125.4 + 19.754), 2);
    expect(t.phases.exit).toBeCloseTo(3, 3);
    const sum = t.phases.startup + t.phases.training + t.phases.evaluation + t.phases.exit;
    expect(sum).toBeCloseTo(t.wallSeconds, 2);
  });

  it("dates the loop's start back by the first line's own train time", () => {
    const t = timing([[10, "step:1/100 train_loss:5.0 train_time:2000ms step_avg:2000ms"]], 12);
    expect(t.phases.startup).toBeCloseTo(8, 3);
  });

  it("counts a run that printed no step as start-up only (a crash before training)", () => {
    const t = timing(
      [
        [1, "Traceback (most recent call last):"],
        [1.5, "ValueError: bad"],
      ],
      2,
    );
    expect(t.trainLoopSeconds).toBeNull();
    expect(t.steps).toBeNull();
    expect(t.phases).toEqual({ startup: 1.5, training: 0, evaluation: 0, exit: 0.5 });
  });

  it("reads record scripts' minutes and lines without a step prefix", () => {
    const t = timing(
      [
        [5, "1/20000 train_loss: 6.9 train_time: 0.1m step_avg: 100ms"],
        [65, "600/20000 train_loss: 3.1 train_time: 1.1m step_avg: 110ms"],
      ],
      80,
    );
    expect(t.trainLoopSeconds).toBeCloseTo(66, 3);
    expect(t.steps).toBe(600);
  });
});

describe("overBudget", () => {
  const base = timing(ROOT, 193);

  it("passes a run that stopped at its cap", () => {
    expect(overBudget(base, { budgetSeconds: 90, overheadSeconds: null })).toBeNull();
    expect(overBudget(base, { budgetSeconds: null, overheadSeconds: null })).toBeNull();
  });

  it("flags a log whose own train time ran past the budget", () => {
    const flag = overBudget(base, { budgetSeconds: 60, overheadSeconds: null });
    expect(flag?.code).toBe("over_budget");
    expect(flag?.message).toContain("90.1 s");
    expect(flag?.message).toContain("60.0 s");
  });

  it("flags a run whose clock claims little but whose training phase took far longer", () => {
    const liar = timing(
      [
        [5, "step:1/100 train_loss:5 train_time:10ms"],
        [300, "step:100/100 train_loss:2 train_time:1000ms"],
      ],
      301,
    );
    expect(liar.trainLoopSeconds).toBe(1);
    expect(overBudget(liar, { budgetSeconds: 20, overheadSeconds: null })?.message).toContain("wall time");
  });

  it("checks the whole process against budget plus overhead only when configured", () => {
    expect(overBudget(base, { budgetSeconds: 90, overheadSeconds: 60 })?.message).toContain("193.0 s");
    expect(overBudget(base, { budgetSeconds: 90, overheadSeconds: 120 })).toBeNull();
  });
});
