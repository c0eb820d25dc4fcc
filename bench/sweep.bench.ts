/**
 * The sweep proposer against random search on known objectives over the demo's search-space shape:
 * mean best score after 8 experiments (the demo's budget), over 500 objectives.
 */
import { configKey, nextSweepConfig, type SweepTrial } from "../src/agent/sweep-strategy.ts";
import { seededRandom } from "../src/agent/sweep-proposer.ts";
import type { BenchResult } from "./bench-result.ts";

const space: Record<string, string[]> = {
  MATRIX_LR: ["1", "2", "3", "5", "8", "12"],
  EMBED_LR: ["1", "3", "6", "10"],
  MODEL_DIM: ["64", "96", "128", "192", "256"],
  NUM_LAYERS: ["2", "3", "4", "6"],
  TRAIN_SEQ_LEN: ["64", "128", "256"],
  TRAIN_BATCH_TOKENS: ["1024", "2048", "4096", "8192"],
};
const start: Record<string, string> = {
  MATRIX_LR: "3",
  EMBED_LR: "3",
  MODEL_DIM: "128",
  NUM_LAYERS: "4",
  TRAIN_SEQ_LEN: "128",
  TRAIN_BATCH_TOKENS: "2048",
};

type Pick = (
  incumbent: Record<string, string>,
  trials: SweepTrial[],
) => { config: Record<string, string>; direction: string } | null;

function run(pick: Pick, f: (c: Record<string, string>) => number, budget: number): number {
  let incumbent = { ...start };
  let best = f(incumbent);
  const trials: SweepTrial[] = [{ config: incumbent, direction: null, verdict: "keep", valBpb: best }];
  for (let i = 0; i < budget; i++) {
    const step = pick(incumbent, trials);
    if (!step) break;
    const score = f(step.config);
    const keep = score < best - 0.01;
    trials.push({
      config: step.config,
      direction: step.direction,
      verdict: keep ? "keep" : "discard",
      valBpb: score,
    });
    if (keep) [incumbent, best] = [step.config, score];
  }
  return best;
}

export async function benchSweep(): Promise<BenchResult[]> {
  const cases = 500;
  let sweepSum = 0;
  let randomSum = 0;
  let wins = 0;
  for (let seed = 0; seed < cases; seed++) {
    const r = seededRandom(seed);
    const optimum = Object.fromEntries(Object.entries(space).map(([k, v]) => [k, r() * (v.length - 1)]));
    const weights = Object.fromEntries(Object.keys(space).map((k) => [k, 0.02 + r() * 0.1]));
    const f = (c: Record<string, string>) => {
      const noise = seededRandom(seed * 7919 + configKey(c, space).length)() - 0.5;
      let loss = 3;
      for (const [k, values] of Object.entries(space))
        loss += (weights[k] ?? 0) * (values.indexOf(c[k] ?? "") - (optimum[k] ?? 0)) ** 2;
      return loss + noise * 0.02;
    };
    const sr = seededRandom(seed + 1);
    const sweep = run(
      (incumbent, trials) =>
        nextSweepConfig({ space, incumbent, trials, deadEnds: [], plateau: false, random: sr }),
      f,
      8,
    );
    const rr = seededRandom(seed + 2);
    const random = run(
      (_incumbent, trials) => {
        const tried = new Set(trials.map((t) => configKey(t.config, space)));
        for (;;) {
          const config = Object.fromEntries(
            Object.entries(space).map(([k, v]) => [k, v[Math.floor(rr() * v.length)] ?? ""]),
          );
          if (!tried.has(configKey(config, space))) return { config, direction: "random" };
        }
      },
      f,
      8,
    );
    sweepSum += sweep;
    randomSum += random;
    if (sweep < random) wins++;
  }
  return [
    {
      name: "sweep: mean best score after 8 experiments (synthetic bowls)",
      value: sweepSum / cases,
      unit: "",
      goal: "below random search",
    },
    {
      name: "random search: mean best score after 8 experiments",
      value: randomSum / cases,
      unit: "",
      goal: "reference",
    },
    {
      name: "sweep beats random search",
      value: (100 * wins) / cases,
      unit: "% of objectives",
      goal: "> 50%",
    },
  ];
}
