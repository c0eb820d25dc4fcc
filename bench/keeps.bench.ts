/**
 * False keeps and the sweep against random search, on golf_mini for real (PyTorch on this machine).
 *
 * 1. Ten research loops on one small golf_mini course under a step budget, through the CLI's own session
 *    (caddie re-scores every run on held-out documents): the sweep proposer and random search, five loops
 *    each (different tie-break and training seeds), N experiments per loop, with the keep rule as shipped (noise from three baselines, paired extra seeds, incumbent re-runs, confirmation
 *    of budget-coupled changes; WARMDOWN_ITERS is in the search space to exercise it).
 * 2. Every keep and the incumbent it was judged against are re-run on fresh seeds (never used by a loop).
 *    A keep is false when its fresh gain does not clear two standard deviations of the difference of the
 *    fresh means (sigma pooled over all fresh re-runs); "not better at all" (fresh gain <= 0) is reported too.
 * 3. The best val_bpb after N experiments (the final incumbent's mean), median over the five loops of each
 *    proposer, and experiments per hour (loop wall time, every extra run included).
 *
 * `npm run bench -- keeps` runs it (about 100 training runs: some 10 minutes on a quiet 2-core machine, most
 * of an hour when it is shared and loaded); `npm run bench -- keeps --small` runs 2 loops per proposer with 2
 * experiments each.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseDocument } from "yaml";
import type { CaddieConfig } from "../src/core/config.ts";
import { readHyperparameters, setHyperparameters } from "../src/core/hyperparameters.ts";
import type { LedgerRow } from "../src/core/ledger.ts";
import { pooledNoise, sdOfDifference } from "../src/core/noise.ts";
import { configKey } from "../src/agent/sweep-strategy.ts";
import { SweepProposer, seededRandom } from "../src/agent/sweep-proposer.ts";
import { bestKept } from "../src/engine/history.ts";
import { readClaims } from "../src/engine/measure-outcome.ts";
import type { AnalyseInput, Analysis, Proposal, Proposer, ProposeInput } from "../src/engine/ports.ts";
import { courseVariables } from "../src/local/caddie-paths.ts";
import { checkPython, createDemoCourse, ensureDemoData } from "../src/local/demo-course.ts";
import { GitForge } from "../src/local/git-forge.ts";
import { Git } from "../src/local/git.ts";
import { loadConfig } from "../src/local/load-config.ts";
import { runLocalSession } from "../src/local/local-session.ts";
import { SubprocessRunner } from "../src/local/subprocess-runner.ts";
import type { BenchResult } from "./bench-result.ts";

const small = process.argv.includes("--small");
const SIZE = small
  ? { loops: 2, experiments: 2, freshSeeds: 2 }
  : { loops: 5, experiments: 4, freshSeeds: 2 };
const STEPS = 60;

// A small, quick model: about 3 s a run on a quiet core. The sweep edits these defaults in the script.
const COURSE_DEFAULTS: Record<string, string> = {
  MODEL_DIM: "64",
  NUM_LAYERS: "2",
  TRAIN_BATCH_TOKENS: "512",
  VAL_MAX_TOKENS: "4096",
  VAL_LOSS_EVERY: "0",
  TRAIN_LOG_EVERY: "0",
  WARMDOWN_ITERS: "20",
  MATRIX_LR: "0.012",
  EMBED_LR: "0.012",
};
const SPACE: Record<string, string[]> = {
  MATRIX_LR: ["0.006", "0.012", "0.024", "0.048"],
  EMBED_LR: ["0.006", "0.012", "0.024", "0.048"],
  MODEL_DIM: ["32", "64", "96"],
  NUM_LAYERS: ["1", "2", "3"],
  WARMDOWN_ITERS: ["5", "20", "40"],
};

/** Uniform random search over the same space: an untried config, every setting drawn at random. */
class RandomProposer implements Proposer {
  readonly name = "random";
  readonly prefersLatest = true;
  private readonly random: () => number;
  constructor(seed: number) {
    this.random = seededRandom(seed);
  }
  async propose(input: ProposeInput): Promise<Proposal> {
    const source = input.files["train_gpt.py"] ?? "";
    const current = Object.fromEntries(readHyperparameters(source).map((h) => [h.name, h.value]));
    const tried = new Set(input.trials.map((t) => configKey(t.config ?? {}, SPACE)));
    tried.add(configKey(current, SPACE));
    for (let attempt = 0; attempt < 500; attempt++) {
      const config = Object.fromEntries(
        Object.entries(SPACE).map(([k, v]) => [k, v[Math.floor(this.random() * v.length)] ?? ""]),
      );
      if (tried.has(configKey(config, SPACE))) continue;
      const changes = Object.fromEntries(Object.entries(config).filter(([k, v]) => current[k] !== v));
      return {
        description: Object.entries(changes)
          .map(([k, v]) => `${k} ${current[k]} -> ${v}`)
          .join(", "),
        direction: "random",
        config,
        edits: [{ path: "train_gpt.py", content: setHyperparameters(source, changes) }],
        reasoning: { hypothesis: "random search", evidence: "-", risk: "-" },
      };
    }
    throw new Error("the search space is exhausted");
  }
  async analyse(input: AnalyseInput): Promise<Analysis> {
    return { result: String(input.summary.val_bpb), vsExpected: "-", why: input.reason, lesson: "-" };
  }
  async fix(): Promise<Proposal | null> {
    return null;
  }
}

interface LoopResult {
  proposer: string;
  rows: LedgerRow[];
  best: number | null;
  experiments: number;
  runs: number;
  wallSeconds: number;
}

/**
 * The demo course (its scoring settings: caddie scores every run on held-out documents) with a smaller
 * model, this bench's search space and a 5 mbpb minimum gain, committed so `caddie run` would train the same.
 */
async function makeCourse(): Promise<{ repo: string; config: CaddieConfig }> {
  const repo = await createDemoCourse(undefined, { steps: STEPS });
  const script = path.join(repo, "train_gpt.py");
  await writeFile(script, setHyperparameters(await readFile(script, "utf8"), COURSE_DEFAULTS));
  const file = path.join(repo, ".github", "caddie.yml");
  const doc = parseDocument(await readFile(file, "utf8"));
  doc.setIn(["thresholds", "min_delta"], 0.005);
  doc.setIn(["search_space"], SPACE);
  await writeFile(file, doc.toString());
  const git = new Git(repo);
  await git.run(["add", "-A"]);
  await git.run(["commit", "-q", "-m", "bench course"]);
  return { repo, config: (await loadConfig(repo)).config };
}

/** One research loop through the CLI's own session: the real runner, caddie's scorer, the file store. */
async function loop(
  repo: string,
  config: CaddieConfig,
  proposer: Proposer,
  tag: string,
  seed: number,
): Promise<LoopResult> {
  const env = { ...process.env, CADDIE_PROGRESS: "plain" };
  const result = await runLocalSession({
    repo,
    tag,
    config,
    agent: "sweep",
    proposer,
    maxExperiments: SIZE.experiments,
    maxHours: null,
    seed,
    io: {
      stdout: () => undefined,
      stderr: () => undefined,
      cwd: repo,
      env,
      signal: new AbortController().signal,
    },
    title: "bench",
  });
  const rows = await result.store.readLedger();
  return {
    proposer: proposer.name,
    rows,
    best: bestKept(rows, "proxy")?.valBpb ?? null,
    experiments: result.summary.experiments,
    // Every training run is a ledger row (the experiment's, its extra seeds', the incumbent's re-runs).
    runs: rows.filter((r) => r.status !== "backtrack").length,
    wallSeconds: result.summary.wallSeconds,
  };
}

/** A runner for the fresh re-runs, outside every loop's state. */
async function freshRunner(repo: string, config: CaddieConfig): Promise<SubprocessRunner> {
  const forge = await GitForge.open(repo, "fresh");
  return new SubprocessRunner({
    runsDir: path.join(repo, ".caddie", "fresh", "runs"),
    exportTree: (commit, dir) => forge.exportTree(commit, dir),
    command: config.tiers.proxy.command,
    env: config.tiers.proxy.env,
    variables: courseVariables(process.env),
    timeoutMs: config.tiers.proxy.timeoutMinutes * 60_000,
    codeFiles: [config.target],
    modelFile: config.model,
  });
}

/** Each keep with the incumbent it was judged against: the best mean among the kept rows before it. */
function keepsWithParents(rows: LedgerRow[]): { keep: LedgerRow; parent: LedgerRow }[] {
  const out: { keep: LedgerRow; parent: LedgerRow }[] = [];
  const seen = new Set<string>();
  rows.forEach((row, at) => {
    if (row.tier !== "proxy" || seen.has(row.experiment)) return;
    seen.add(row.experiment);
    if (row.status !== "keep" || row.experiment === "exp-000") return;
    const before = rows.slice(0, at);
    const parent = bestKept(before, "proxy");
    const parentRow = before.find((r) => r.experiment === parent?.experiment);
    if (parentRow) out.push({ keep: row, parent: parentRow });
  });
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

export async function benchKeeps(): Promise<BenchResult[]> {
  const vars = courseVariables(process.env);
  await checkPython(vars.PYTHON ?? "python3");
  await ensureDemoData(vars.PYTHON ?? "python3", vars.CADDIE_DATA ?? "");
  const { repo, config } = await makeCourse();
  try {
    const loops: LoopResult[] = [];
    for (let i = 0; i < SIZE.loops; i++) {
      const seed = 1337 + 100 * i;
      loops.push(
        await loop(
          repo,
          config,
          new SweepProposer({ target: "train_gpt.py", space: SPACE, random: seededRandom(i) }),
          `sweep${i}`,
          seed,
        ),
      );
      loops.push(await loop(repo, config, new RandomProposer(1000 + i), `random${i}`, seed));
      process.stderr.write(
        `  loop ${i + 1}/${SIZE.loops}: sweep best ${loops.at(-2)?.best?.toFixed(4)}, random best ${loops.at(-1)?.best?.toFixed(4)}\n`,
      );
    }

    // Fresh seeds for every keep and its parent (a commit's runs are shared between the pairs that use it).
    const fresh = new Map<string, number[]>();
    const freshSeeds = Array.from({ length: SIZE.freshSeeds }, (_, i) => 9001 + i);
    const runner = await freshRunner(repo, config);
    const runFresh = async (row: LedgerRow): Promise<number[]> => {
      const cached = fresh.get(row.commit);
      if (cached) return cached;
      const scores: number[] = [];
      for (const seed of freshSeeds) {
        const outcome = await runner.run({ id: `fresh-${row.experiment}`, commit: row.commit, seed });
        // Honest sweep runs on fresh seeds: the log's own score stands for the model here.
        const claims = readClaims(outcome, { metricPattern: null });
        if (claims.val_bpb !== null) scores.push(claims.val_bpb);
      }
      fresh.set(row.commit, scores);
      return scores;
    };
    const checks: { gain: number; keep: number[]; parent: number[] }[] = [];
    for (const l of loops) {
      for (const { keep, parent } of keepsWithParents(l.rows)) {
        const k = await runFresh(keep);
        const p = await runFresh(parent);
        if (k.length && p.length) checks.push({ gain: mean(p) - mean(k), keep: k, parent: p });
      }
    }
    const sigma = pooledNoise([...fresh.values()]).sigma ?? 0;
    for (const c of checks)
      process.stderr.write(
        `  keep: fresh gain ${c.gain.toFixed(4)} (keep ${c.keep.map((v) => v.toFixed(4)).join("/")}, parent ${c.parent.map((v) => v.toFixed(4)).join("/")}), 2 sd ${(2 * sdOfDifference(sigma, c.keep.length, c.parent.length)).toFixed(4)}\n`,
      );
    const strict = checks.filter(
      (c) => !(c.gain > 2 * sdOfDifference(sigma, c.keep.length, c.parent.length)),
    );
    const worse = checks.filter((c) => !(c.gain > 0));
    const experiments = loops.reduce((n, l) => n + l.experiments, 0);
    const runs = loops.reduce((n, l) => n + l.runs, 0);
    const hours = loops.reduce((n, l) => n + l.wallSeconds, 0) / 3600;
    const best = (name: string) => median(loops.filter((l) => l.proposer === name).map((l) => l.best ?? NaN));
    return [
      {
        name: `keeps re-run on ${SIZE.freshSeeds} fresh seed(s), with their parents`,
        value: checks.length,
        unit: "keeps",
        goal: "(sample)",
      },
      {
        name: "false keeps: fresh gain not beyond 2 sd of the difference",
        value: checks.length ? (100 * strict.length) / checks.length : 0,
        unit: "%",
        goal: "<= 5%",
      },
      {
        name: "false keeps: fresh gain <= 0 (not better at all)",
        value: checks.length ? (100 * worse.length) / checks.length : 0,
        unit: "%",
        goal: "(reference)",
      },
      {
        name: "fresh-seed sigma (pooled over the re-run commits)",
        value: sigma,
        unit: "val_bpb",
        goal: "(reference)",
      },
      {
        name: `experiments per hour (${STEPS}-step runs, every extra run included)`,
        value: experiments / hours,
        unit: "/h",
        goal: "(the cost)",
      },
      {
        name: "training runs per experiment (baselines, extra seeds, re-runs, confirmations)",
        value: runs / experiments,
        unit: "runs",
        goal: "(the cost)",
      },
      {
        name: `sweep: best val_bpb after ${SIZE.experiments} experiments, median of ${SIZE.loops}`,
        value: best("sweep"),
        unit: "",
        goal: "below random",
      },
      {
        name: `random search: best val_bpb after ${SIZE.experiments} experiments, median of ${SIZE.loops}`,
        value: best("random"),
        unit: "",
        goal: "(reference)",
      },
    ];
  } finally {
    await rm(repo, { recursive: true, force: true });
  }
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
