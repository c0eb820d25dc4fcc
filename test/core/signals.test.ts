import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { detectSignals, type RunRecord } from "../../src/core/signals.ts";
import type { RunStatus } from "../../src/core/ledger.ts";

let counter = 0;
function run(status: RunStatus, valBpb: number | null, direction: string | null = null): RunRecord {
  counter += 1;
  return { experiment: `exp-${counter}`, commit: `c${counter}`, valBpb, status, direction };
}
const options = { minDelta: 0.001 };

describe("dead ends", () => {
  it("2 discards in a row in one direction are not a dead end; 3 are", () => {
    const two = [run("keep", 1.3), run("discard", 1.31, "MODEL_DIM+"), run("discard", 1.32, "MODEL_DIM+")];
    expect(detectSignals(two, options).deadEnds).toEqual([]);
    const three = [...two, run("discard", 1.33, "MODEL_DIM+")];
    expect(detectSignals(three, options).deadEnds).toEqual(["MODEL_DIM+"]);
  });

  it("counts crashes as failures and ignores runs of other directions in between", () => {
    const history = [
      run("keep", 1.3),
      run("crash", null, "optimizer"),
      run("keep", 1.29, "lr"),
      run("discard", 1.3, "optimizer"),
      run("discard", 1.3, "lr"),
      run("discard", 1.31, "optimizer"),
    ];
    expect(detectSignals(history, options).deadEnds).toEqual(["optimizer"]);
  });

  it("a keep in the direction ends its streak", () => {
    const history = [
      run("discard", 1.3, "lr"),
      run("discard", 1.3, "lr"),
      run("keep", 1.2, "lr"),
      run("discard", 1.3, "lr"),
      run("discard", 1.3, "lr"),
    ];
    expect(detectSignals(history, options).deadEnds).toEqual([]);
    expect(detectSignals([...history, run("crash", null, "lr")], options).deadEnds).toEqual(["lr"]);
  });

  it("never counts untagged runs, and lists dead ends in order of their first run", () => {
    const history = [
      ...[1, 2, 3].map(() => run("discard", 1.3, null)),
      run("discard", 1.3, " b "),
      run("discard", 1.3, "a"),
      ...[1, 2].map(() => run("discard", 1.3, "b")),
      ...[1, 2].map(() => run("discard", 1.3, "a")),
    ];
    expect(detectSignals(history, options).deadEnds).toEqual(["b", "a"]);
  });

  it("honours a custom deadEndAfter", () => {
    const history = [run("discard", 1.3, "x"), run("discard", 1.3, "x")];
    expect(detectSignals(history, { ...options, deadEndAfter: 2 }).deadEnds).toEqual(["x"]);
  });
});

describe("plateau", () => {
  // Baseline 1.3000, then runs that improve the best by less than min_delta (0.001).
  const stalled = (n: number): RunRecord[] =>
    Array.from({ length: n }, (_, i) => run(i % 2 === 0 ? "discard" : "keep", 1.3 - 0.0002 * (i + 1)));

  it("4 runs without a real gain are not a plateau; 5 are", () => {
    expect(detectSignals([run("keep", 1.3), ...stalled(4)], options).plateau).toBe(false);
    expect(detectSignals([run("keep", 1.3), ...stalled(5)], options).plateau).toBe(true);
  });

  it("the baseline alone never counts toward a plateau", () => {
    expect(detectSignals(stalled(5), options).plateau).toBe(false);
  });

  it("a gain of min_delta or more resets the count", () => {
    const history = [run("keep", 1.3), ...stalled(4), run("keep", 1.2), ...stalled(4)];
    expect(detectSignals(history, options).plateau).toBe(false);
  });

  it("a gain of exactly min_delta is progress, whichever way float rounding fell", () => {
    // 1.2244 - 1.2234 computes to 0.0009999999999998899 (just under 0.001).
    const history = [
      run("keep", 1.2244),
      ...stalled(4).map((r) => ({ ...r, valBpb: 1.2244 })),
      run("keep", 1.2234),
    ];
    expect(detectSignals(history, options).plateau).toBe(false);
  });

  it("a discard that scores better by min_delta or more also resets it: it was a real near miss", () => {
    const history = [run("keep", 1.3), ...stalled(4), run("discard", 1.298)];
    expect(detectSignals(history, options).plateau).toBe(false);
  });

  it("crashes and backtracks neither count nor reset", () => {
    const history = [
      run("keep", 1.3),
      ...stalled(3),
      run("crash", null),
      run("backtrack", null),
      ...stalled(2),
    ];
    expect(detectSignals(history, options).plateau).toBe(true);
    const fewer = [run("keep", 1.3), ...stalled(3), run("crash", null), run("crash", null), ...stalled(1)];
    expect(detectSignals(fewer, options).plateau).toBe(false);
  });

  it("measures gains against the best keep, not against the last run", () => {
    // Each discard is 0.002 better than the one before, but never better than the best keep.
    const history = [run("keep", 1.2), ...[1.31, 1.308, 1.306, 1.304, 1.302].map((v) => run("discard", v))];
    expect(detectSignals(history, options).plateau).toBe(true);
  });

  it("honours a custom plateauAfter", () => {
    expect(detectSignals([run("keep", 1.3), ...stalled(2)], { ...options, plateauAfter: 2 }).plateau).toBe(
      true,
    );
  });
});

describe("backtrack", () => {
  it("goes back to the best kept commit when the latest keep is worse by more than min_delta", () => {
    const best = run("keep", 1.2);
    const history = [run("keep", 1.3), best, run("discard", 1.25), run("keep", 1.2015)];
    expect(detectSignals(history, options).backtrack).toEqual({
      toCommit: best.commit,
      toExperiment: best.experiment,
      reason: expect.stringContaining(`back to ${best.commit}`),
    });
  });

  it("does not backtrack for a regression of exactly min_delta or less", () => {
    expect(detectSignals([run("keep", 1.2), run("keep", 1.201)], options).backtrack).toBeNull();
    expect(detectSignals([run("keep", 1.2), run("keep", 1.2005)], options).backtrack).toBeNull();
    // 1.21 - 1.2 computes to 0.010000000000000009 (just over 0.01).
    expect(detectSignals([run("keep", 1.2), run("keep", 1.21)], { minDelta: 0.01 }).backtrack).toBeNull();
    expect(
      detectSignals([run("keep", 1.2), run("keep", 1.2101)], { minDelta: 0.01 }).backtrack,
    ).not.toBeNull();
  });

  it("looks only at the head: a drift that later keeps recovered from is no signal", () => {
    const history = [run("keep", 1.2), run("keep", 1.25), run("keep", 1.19)];
    expect(detectSignals(history, options).backtrack).toBeNull();
  });

  it("is answered by a backtrack row: the line was already reset", () => {
    const history = [run("keep", 1.2), run("keep", 1.25), run("backtrack", null)];
    expect(detectSignals(history, options).backtrack).toBeNull();
    expect(detectSignals([...history, run("keep", 1.23)], options).backtrack).not.toBeNull();
  });

  it("ignores discards and crashes, however bad", () => {
    const history = [run("keep", 1.2), run("discard", 2.0), run("crash", null)];
    expect(detectSignals(history, options).backtrack).toBeNull();
  });

  it("names both runs and both scores in its reason", () => {
    const history = [run("keep", 1.2), run("keep", 1.25)];
    const [best, head] = history;
    expect(detectSignals(history, options).backtrack?.reason).toBe(
      `${head?.experiment} (${head?.commit}) is kept at val_bpb 1.2500, worse than the best kept 1.2000 of ` +
        `${best?.experiment} (${best?.commit}) by 0.0500: back to ${best?.commit}`,
    );
  });
});

describe("detectSignals", () => {
  it("reads an empty history as no signal", () => {
    expect(detectSignals([], options)).toEqual({ deadEnds: [], plateau: false, backtrack: null });
  });

  it("refuses options that would make every run a signal", () => {
    expect(() => detectSignals([], { minDelta: -1 })).toThrow(/minDelta/);
    expect(() => detectSignals([], { minDelta: 0.001, deadEndAfter: 0 })).toThrow(/deadEndAfter/);
    expect(() => detectSignals([], { minDelta: 0.001, plateauAfter: 2.5 })).toThrow(/plateauAfter/);
  });

  const record: fc.Arbitrary<RunRecord> = fc.record({
    experiment: fc.constantFrom("e1", "e2", "e3"),
    commit: fc.constantFrom("c1", "c2", "c3"),
    valBpb: fc.option(fc.double({ min: 1, max: 2, noNaN: true }), { nil: null }),
    status: fc.constantFrom("keep", "discard", "crash", "backtrack"),
    direction: fc.option(fc.constantFrom("a", "b"), { nil: null }),
  });

  it("backtracks only to a kept commit, and only to a better one", () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 20 }), (history) => {
        const target = detectSignals(history, options).backtrack;
        if (target === null) return;
        const kept = history.filter((r) => r.status === "keep" && r.valBpb !== null);
        expect(kept.map((r) => r.commit)).toContain(target.toCommit);
      }),
    );
  });

  it("only ever names directions that have failed at least deadEndAfter times", () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 20 }), (history) => {
        for (const direction of detectSignals(history, options).deadEnds) {
          const failures = history.filter(
            (r) => r.direction === direction && (r.status === "discard" || r.status === "crash"),
          );
          expect(failures.length).toBeGreaterThanOrEqual(3);
        }
      }),
    );
  });
});
