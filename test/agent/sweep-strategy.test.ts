import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { configKey, nextSweepConfig, type SweepTrial } from "../../src/agent/sweep-strategy.ts";
import { seededRandom } from "../../src/agent/sweep-proposer.ts";

const space = {
  LR: ["0.001", "0.002", "0.003", "0.005", "0.008", "0.012"],
  DIM: ["64", "96", "128", "192", "256"],
  LAYERS: ["2", "3", "4", "6"],
  SEQ: ["64", "128", "256"],
};
const start = { LR: "0.003", DIM: "128", LAYERS: "4", SEQ: "128" };

/** A known objective: a bowl over the grid indices with its optimum away from the start, plus noise. */
function objective(optimum: Record<string, number>, noise: () => number) {
  return (config: Record<string, string>) => {
    let loss = 3;
    for (const [k, values] of Object.entries(space)) {
      const d = values.indexOf(config[k] ?? "") - (optimum[k] ?? 0);
      loss += 0.05 * d * d;
    }
    return loss + (noise() - 0.5) * 0.01;
  };
}

/** The loop's keep rule over an objective, for a proposer that picks the next config. */
function simulate(
  pick: (
    incumbent: Record<string, string>,
    trials: SweepTrial[],
  ) => { config: Record<string, string>; direction: string } | null,
  f: (c: Record<string, string>) => number,
  budget: number,
) {
  let incumbent: Record<string, string> = { ...start };
  let best = f(incumbent);
  const trials: SweepTrial[] = [{ config: incumbent, direction: null, verdict: "keep", valBpb: best }];
  for (let i = 0; i < budget; i++) {
    const step = pick(incumbent, trials);
    if (!step) break;
    const score = f(step.config);
    const keep = score < best - 0.005;
    trials.push({
      config: step.config,
      direction: step.direction,
      verdict: keep ? "keep" : "discard",
      valBpb: score,
    });
    if (keep) {
      incumbent = step.config;
      best = score;
    }
  }
  return best;
}

function randomSearch(random: () => number) {
  return (_incumbent: Record<string, string>, trials: SweepTrial[]) => {
    const tried = new Set(trials.map((t) => configKey(t.config, space)));
    for (;;) {
      const config = Object.fromEntries(
        Object.entries(space).map(([k, v]) => [k, v[Math.floor(random() * v.length)] ?? ""]),
      );
      if (!tried.has(configKey(config, space))) return { config, direction: "random" };
    }
  };
}

describe("nextSweepConfig", () => {
  it("beats random search on average over many objectives with the demo's budget of 8 experiments", () => {
    let sweepTotal = 0;
    let randomTotal = 0;
    let sweepWins = 0;
    const cases = 200;
    for (let seed = 0; seed < cases; seed++) {
      const r = seededRandom(seed);
      const optimum = Object.fromEntries(
        Object.entries(space).map(([k, v]) => [k, Math.floor(r() * v.length)]),
      );
      const sweepRandom = seededRandom(seed + 10_000);
      const sweep = simulate(
        (incumbent, trials) =>
          nextSweepConfig({ space, incumbent, trials, deadEnds: [], plateau: false, random: sweepRandom }),
        objective(optimum, seededRandom(seed + 20_000)),
        8,
      );
      const rand = simulate(
        randomSearch(seededRandom(seed + 30_000)),
        objective(optimum, seededRandom(seed + 20_000)),
        8,
      );
      sweepTotal += sweep;
      randomTotal += rand;
      if (sweep < rand) sweepWins++;
    }
    expect(sweepTotal / cases).toBeLessThan(randomTotal / cases);
    expect(sweepWins).toBeGreaterThan(cases / 2);
  });

  it("never proposes a config that was already tried", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 40 }), (seed, budget) => {
        const r = seededRandom(seed);
        const trials: SweepTrial[] = [{ config: start, direction: null, verdict: "keep", valBpb: 3 }];
        const seen = new Set([configKey(start, space)]);
        for (let i = 0; i < budget; i++) {
          const step = nextSweepConfig({
            space,
            incumbent: start,
            trials,
            deadEnds: [],
            plateau: r() < 0.3,
            random: r,
          });
          if (!step) break;
          const key = configKey(step.config, space);
          if (seen.has(key)) return false;
          seen.add(key);
          trials.push({ config: step.config, direction: step.direction, verdict: "discard", valBpb: 3.1 });
        }
        return true;
      }),
      { numRuns: 60 },
    );
  });

  it("pushes further in a direction that was just kept", () => {
    const kept = { ...start, DIM: "192" };
    const step = nextSweepConfig({
      space,
      incumbent: kept,
      trials: [
        { config: start, direction: null, verdict: "keep", valBpb: 3.0 },
        { config: kept, direction: "DIM+", verdict: "keep", valBpb: 2.9 },
      ],
      deadEnds: [],
      plateau: false,
      random: seededRandom(1),
    });
    expect(step?.direction).toBe("DIM+");
    expect(step?.changes).toEqual({ DIM: "256" });
  });

  it("leaves dead-end directions alone", () => {
    const deadEnds = ["LR+", "LR-", "DIM+", "DIM-", "LAYERS+", "LAYERS-", "SEQ+"];
    const step = nextSweepConfig({
      space,
      incumbent: start,
      trials: [],
      deadEnds,
      plateau: false,
      random: seededRandom(2),
    });
    expect(step?.direction).toBe("SEQ-");
  });

  it("takes wider steps on a plateau", () => {
    const step = nextSweepConfig({
      space,
      incumbent: start,
      trials: [],
      deadEnds: [],
      plateau: true,
      random: seededRandom(3),
    });
    const [param, value] = Object.entries(step?.changes ?? {})[0] ?? [];
    const values = space[param as keyof typeof space];
    expect(Math.abs(values.indexOf(value ?? "") - values.indexOf(start[param as keyof typeof start]))).toBe(
      2,
    );
  });

  it("returns null once every config in a small space was tried", () => {
    const tiny = { A: ["1", "2"] };
    const trials: SweepTrial[] = [
      { config: { A: "1" }, direction: null, verdict: "keep", valBpb: 1 },
      { config: { A: "2" }, direction: "A+", verdict: "discard", valBpb: 2 },
    ];
    expect(
      nextSweepConfig({
        space: tiny,
        incumbent: { A: "1" },
        trials,
        deadEnds: [],
        plateau: false,
        random: seededRandom(4),
      }),
    ).toBeNull();
  });
});
