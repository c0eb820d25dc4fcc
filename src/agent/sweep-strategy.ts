/**
 * The offline proposer's search rule, pure so it can be compared with random search on a known objective.
 *
 * Coordinate search from the incumbent: each candidate changes one hyperparameter to the next value up or
 * down its declared list. What was learned steers the order: a direction that was just kept is pushed
 * further (momentum), a direction that keeps failing sinks, a dead end is never tried again, and a plateau
 * widens the steps. No config is ever tried twice. When no single step is left, it combines the two best
 * near misses, and only then falls back to an untried config chosen at random.
 */

export interface SweepTrial {
  config: Record<string, string>;
  direction: string | null;
  verdict: "keep" | "discard" | "crash" | "backtrack";
  valBpb: number | null;
}

export interface SweepInput {
  space: Record<string, string[]>;
  incumbent: Record<string, string>;
  trials: SweepTrial[];
  /** Configs proposed and still running: taken, though they teach nothing yet. */
  pending?: Record<string, string>[];
  deadEnds: string[];
  plateau: boolean;
  /** Uniform in [0, 1); injected so runs are reproducible. */
  random: () => number;
}

export interface SweepStep {
  config: Record<string, string>;
  changes: Record<string, string>;
  direction: string;
  rationale: string;
}

/** A config's identity over the search-space keys only. */
export function configKey(config: Record<string, string>, space: Record<string, string[]>): string {
  return Object.keys(space)
    .sort()
    .map((k) => `${k}=${config[k] ?? ""}`)
    .join(" ");
}

function indexOf(values: string[], value: string | undefined): number {
  if (value === undefined) return 0;
  const exact = values.indexOf(value);
  if (exact >= 0) return exact;
  // A default outside the list: start from the numerically nearest candidate.
  const x = Number(value);
  let best = 0;
  values.forEach((v, i) => {
    if (Math.abs(Number(v) - x) < Math.abs(Number(values[best]) - x)) best = i;
  });
  return best;
}

interface Candidate {
  param: string;
  step: number;
  value: string;
  direction: string;
  score: number;
  why: string;
}

function directionScore(direction: string, trials: SweepTrial[]): { score: number; why: string } {
  const mine = trials.filter((t) => t.direction === direction);
  const last = mine.at(-1);
  if (!last) return { score: 0, why: "not tried yet" };
  if (last.verdict === "keep") return { score: 3, why: `${direction} was kept last time: push further` };
  const failures = mine.length - 1 - mine.map((t) => t.verdict).lastIndexOf("keep");
  const crashes = mine.filter((t) => t.verdict === "crash").length;
  return { score: -failures - 2 * crashes, why: `${failures} recent miss(es) in this direction` };
}

export function nextSweepConfig(input: SweepInput): SweepStep | null {
  const { space, incumbent, trials } = input;
  const tried = new Set(
    [...trials.map((t) => t.config), ...(input.pending ?? [])].map((c) => configKey(c, space)),
  );
  const params = Object.keys(space).filter((p) => (space[p]?.length ?? 0) > 1);
  const stepSizes = input.plateau ? [2, 1] : [1];
  const candidates: Candidate[] = [];
  for (const param of params) {
    const values = space[param] ?? [];
    const at = indexOf(values, incumbent[param]);
    for (const size of stepSizes) {
      for (const sign of [1, -1]) {
        const value = values[at + sign * size];
        if (value === undefined) continue;
        const direction = `${param}${sign > 0 ? "+" : "-"}`;
        if (input.deadEnds.includes(direction)) continue;
        const config = { ...incumbent, [param]: value };
        if (tried.has(configKey(config, space))) continue;
        const { score, why } = directionScore(direction, trials);
        // Jitter breaks ties without overriding what was learned; wider steps rank first on a plateau.
        const bonus = input.plateau && size > 1 ? 0.5 : 0;
        candidates.push({
          param,
          step: sign * size,
          value,
          direction,
          score: score + bonus + input.random() * 0.1,
          why,
        });
      }
    }
  }
  candidates.sort((a, b) => b.score - a.score);
  const best = candidates[0];
  if (best) {
    return {
      config: { ...incumbent, [best.param]: best.value },
      changes: { [best.param]: best.value },
      direction: best.direction,
      rationale: `${best.param} ${incumbent[best.param] ?? "?"} -> ${best.value} (${best.why})`,
    };
  }
  return combineNearMisses(input, tried) ?? randomUntried(input, tried);
}

function combineNearMisses(input: SweepInput, tried: Set<string>): SweepStep | null {
  const incumbentScore = Math.min(
    ...input.trials.filter((t) => t.verdict === "keep").map((t) => t.valBpb ?? Infinity),
  );
  const misses = input.trials
    .filter((t) => t.verdict === "discard" && t.valBpb !== null && t.direction)
    .sort((a, b) => (a.valBpb ?? Infinity) - (b.valBpb ?? Infinity));
  for (let i = 0; i < misses.length; i++) {
    for (let j = i + 1; j < misses.length; j++) {
      const a = misses[i];
      const b = misses[j];
      if (!a || !b) continue;
      const changes: Record<string, string> = {};
      for (const t of [a, b]) {
        for (const [k, v] of Object.entries(t.config)) if (input.incumbent[k] !== v) changes[k] = v;
      }
      const keys = Object.keys(changes);
      if (keys.length !== 2) continue;
      const config = { ...input.incumbent, ...changes };
      if (tried.has(configKey(config, input.space))) continue;
      return {
        config,
        changes,
        direction: `${a.direction}&${b.direction}`,
        rationale: `combining two near misses (${a.direction} ${a.valBpb}, ${b.direction} ${b.valBpb}; best ${incumbentScore})`,
      };
    }
  }
  return null;
}

function randomUntried(input: SweepInput, tried: Set<string>): SweepStep | null {
  const params = Object.keys(input.space);
  for (let attempt = 0; attempt < 200; attempt++) {
    const config = { ...input.incumbent };
    for (const p of params) {
      const values = input.space[p] ?? [];
      const v = values[Math.floor(input.random() * values.length)];
      if (v !== undefined) config[p] = v;
    }
    if (tried.has(configKey(config, input.space))) continue;
    const changes = Object.fromEntries(Object.entries(config).filter(([k, v]) => input.incumbent[k] !== v));
    if (Object.keys(changes).length === 0) continue;
    return {
      config,
      changes,
      direction: "random",
      rationale: "no untried neighbour left: a random untried config",
    };
  }
  return null;
}
