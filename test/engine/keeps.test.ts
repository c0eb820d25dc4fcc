/**
 * Keeps that hold up, through the real loop (real git, real file store) with a runner whose scores are
 * scripted per seed and per budget: the noise estimate, pending verdicts, paired extra seeds, the
 * incumbent re-run, and the confirmation of budget-coupled changes (holding, failing, crashing, too long).
 */
import { afterEach, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseConfig } from "../../src/core/config.ts";
import type { LedgerRow } from "../../src/core/ledger.ts";
import type {
  AnalyseInput,
  Analysis,
  Proposal,
  Proposer,
  ProposeInput,
  Runner,
  RunOutcome,
  RunRequest,
  Scorer,
  ScoreRequest,
} from "../../src/engine/ports.ts";
import { parseRunLog } from "../../src/core/parse-run-log.ts";
import type { ScoreResult } from "../../src/core/score-result.ts";
import { runResearchLoop } from "../../src/engine/research-loop.ts";
import { FileStore } from "../../src/local/file-store.ts";
import { GitForge } from "../../src/local/git-forge.ts";
import { tempRepo } from "../helpers/temp-repo.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const SCRIPT = [
  'LR = float(os.environ.get("LR", 1.0))',
  'DIM = int(os.environ.get("DIM", 2))',
  'WARMDOWN_ITERS = int(os.environ.get("WARMDOWN_ITERS", 20))',
  "",
].join("\n");

interface Settings {
  LR: number;
  DIM: number;
  WARMDOWN_ITERS: number;
}

/** A score for each (settings, seed, budget factor); "crash" crashes the run. */
type Score = (s: Settings, seed: number, factor: number) => number | "crash";
/** Milliseconds per step of each run, in run order (the machine's speed, and the change's). */
type Speed = (s: Settings, run: number) => number;

class ScriptedRunner implements Runner {
  runs: { id: string; seed: number | null; factor: number }[] = [];
  constructor(
    private readonly forge: GitForge,
    private readonly score: Score,
    private readonly speed: Speed = () => 10,
  ) {}
  async run(request: RunRequest): Promise<RunOutcome> {
    const factor = request.budgetFactor ?? 1;
    this.runs.push({ id: request.id, seed: request.seed, factor });
    const script = (await this.forge.readFile(request.commit, "train.py")) ?? "";
    const read = (name: string) => Number(new RegExp(`"${name}", ([\\d.]+)`).exec(script)?.[1] ?? NaN);
    const settings = { LR: read("LR"), DIM: read("DIM"), WARMDOWN_ITERS: read("WARMDOWN_ITERS") };
    const value = this.score(settings, request.seed ?? 0, factor);
    const steps = 60 * factor;
    const trainMs = steps * this.speed(settings, this.runs.length - 1);
    const logText =
      value === "crash"
        ? `step:1/${steps} train_loss:5.0 train_time:10ms step_avg:10ms\nTraceback (most recent call last):\nRuntimeError: out of memory\n`
        : `step:${steps}/${steps} val_loss:2.0 val_bpb:${value.toFixed(8)} train_time:${trainMs}ms step_avg:${trainMs / steps}ms\n` +
          `Total submission size int8+zlib: ${Buffer.byteLength(script) + 1000} bytes\nfinal_int8_zlib_roundtrip_exact val_loss:2.00000000 val_bpb:${value.toFixed(8)}\n`;
    return {
      exitCode: value === "crash" ? 1 : 0,
      timedOut: false,
      seconds: 1,
      logText,
      logPath: "run.log",
      modelBytes: value === "crash" ? null : 1000,
    };
  }
}

/** caddie's score stand-in: the scripted model is exactly as good as its log says (these tests are about noise). */
class HonestScorer implements Scorer {
  async score(request: ScoreRequest): Promise<ScoreResult> {
    const claimed = parseRunLog(request.outcome.logText).val_bpb;
    return {
      status: "verified",
      reason: null,
      valBpb: claimed,
      valLoss: 2,
      tokens: 1000,
      bytes: 1000,
      contextLen: 128,
      contract: "scripted",
      causality: { probes: 2, maxAbsDiff: 0, ok: true },
      sandbox: "none",
      network: "open",
      seconds: 0,
      loadSeconds: 0,
      modelBytes: 1000,
    };
  }
}

class ListProposer implements Proposer {
  readonly name = "scripted";
  readonly prefersLatest = true;
  analyses: AnalyseInput[] = [];
  constructor(private readonly changes: Partial<Settings>[]) {}
  async propose(input: ProposeInput): Promise<Proposal> {
    const change = this.changes.shift();
    if (!change) throw new Error("the search space is exhausted");
    let script = input.files["train.py"] ?? "";
    for (const [name, value] of Object.entries(change))
      script = script.replace(new RegExp(`("${name}", )[\\d.]+`), `$1${value}`);
    const description = Object.entries(change)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    return {
      description,
      direction: description,
      edits: [{ path: "train.py", content: script }],
      reasoning: { hypothesis: "h", evidence: "e", risk: "r" },
    };
  }
  async analyse(input: AnalyseInput): Promise<Analysis> {
    this.analyses.push(input);
    return { result: "-", vsExpected: "-", why: input.reason, lesson: "-" };
  }
  async fix(): Promise<Proposal | null> {
    return null;
  }
}

async function loop(
  score: Score,
  changes: Partial<Settings>[],
  thresholds: Record<string, unknown> = {},
  confirm: Record<string, unknown> = {},
  tier: { env?: Record<string, string>; speed?: Speed } = {},
) {
  const repo = await tempRepo({ "train.py": SCRIPT });
  cleanups.push(repo.cleanup);
  const forge = await GitForge.open(repo.dir, "t");
  const stateDir = await mkdtemp(path.join(tmpdir(), "caddie-state-"));
  cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
  const config = parseConfig({
    target: "train.py",
    thresholds: { min_delta: 0.01, baseline_runs: 2, rerun_incumbent_every: 0, ...thresholds },
    confirm,
    // A step budget unless a test asks for a wall-clock tier.
    tiers: { proxy: { env: tier.env ?? { ITERATIONS: "60" } } },
  });
  const store = new FileStore(stateDir);
  const runner = new ScriptedRunner(forge, score, tier.speed);
  const proposer = new ListProposer(changes);
  const notices: string[] = [];
  const finished: { id: string; verdict: string; reason: string }[] = [];
  await runResearchLoop(
    {
      forge,
      runner,
      scorer: new HonestScorer(),
      store,
      proposer,
      clock: { now: () => 0 },
      config,
      program: "",
      events: {
        notice: (text) => notices.push(text),
        runFinished: ({ id, decision }) =>
          finished.push({ id, verdict: decision.verdict, reason: decision.reason }),
      },
    },
    { maxExperiments: changes.length, maxHours: null, seed: 1337 },
  );
  const rows = await store.readLedger();
  const state = await store.readState();
  return { rows, state, runner, notices, finished, proposer, forge };
}

const table = (rows: LedgerRow[]) => rows.map((r) => [r.experiment, r.tier, r.seed, r.status]);

// Seed noise of +-0.01 around each config's true score (seed 1337: -0.01, 1338: +0.01, 1339: 0, ...).
const jitter = (seed: number) => [-0.01, 0.01, 0, 0.005, -0.005][(seed - 1337) % 5] ?? 0;
const lrScore: Score = (s, seed) => 3 + 0.5 * s.LR + jitter(seed);

describe("keeps that hold up", () => {
  it("measures the noise from repeated baselines and keeps only a gain beyond it", async () => {
    // sigma from the baselines 3.49 / 3.51 (one df, c = 13.97). LR 0.5 gains 0.26: kept; LR 0.45 gains a
    // further 0.025 on a single run: far inside the threshold, discarded.
    const { rows, finished } = await loop(lrScore, [{ LR: 0.5 }, { LR: 0.45 }], { extra_seeds: 0 });
    expect(table(rows)).toEqual([
      ["exp-000", "proxy", 1337, "keep"],
      ["exp-000", "proxy", 1338, "keep"],
      ["exp-001", "proxy", 1337, "keep"],
      ["exp-002", "proxy", 1337, "discard"],
    ]);
    const reason = (id: string) => finished.find((f) => f.id === id)?.reason;
    expect(reason("exp-001")).toBe(
      "val_bpb 3.2400 vs the baseline 3.5000: better by 0.2600, above the threshold 0.2419 (1 run vs 2 runs of the baseline; threshold max(min_delta 0.0100, 13.97 x sd 0.0173), sigma 0.0141 from 2 runs (1 df))",
    );
    expect(reason("exp-002")).toMatch(
      /^val_bpb 3\.2150 vs the incumbent exp-001 3\.2400: better by only 0\.0250, within the threshold/,
    );
  });

  it("waits for a second baseline before judging: pending, never a silent keep", async () => {
    const { rows, notices, finished } = await loop(lrScore, [{ LR: 0.5 }], { baseline_runs: 1 });
    expect(table(rows)).toEqual([
      ["exp-000", "proxy", 1337, "keep"],
      ["exp-000", "proxy", 1338, "keep"],
      ["exp-001", "proxy", 1337, "keep"],
    ]);
    expect(notices.some((n) => n.startsWith("exp-000 proxy seed 1338: val_bpb 3.5100"))).toBe(true);
    expect(rows[1]?.description).toMatch(/re-run: pending: needs a second baseline/);
    expect(finished.at(-1)?.verdict).toBe("keep");
  });

  it("says why when the second baseline crashes, and does not keep", async () => {
    const score: Score = (s, seed) => (s.LR === 1 && seed !== 1337 ? "crash" : lrScore(s, seed, 1));
    const { rows, finished } = await loop(score, [{ LR: 0.5 }], { baseline_runs: 1 });
    expect(finished.at(-1)?.verdict).toBe("discard");
    expect(finished.at(-1)?.reason).toMatch(
      /^not kept, pending: needs a second baseline .*: the incumbent's re-runs crashed$/,
    );
    expect(rows.filter((r) => r.experiment === "exp-000" && r.status === "crash")).toHaveLength(2);
  });

  // A quieter course (+-0.001) where min_delta 0.03 sets the threshold; LR 0.942 is worth 0.029.
  const quiet = (seed: number) => jitter(seed) / 10;
  const near: Score = (s, seed) => 3 + 0.5 * s.LR + quiet(seed);

  it("gives a gain near the threshold paired extra seeds before its verdict", async () => {
    // Seed 1337 shows a gain of 0.030, exactly at the threshold: seeds 1338 and 1339 (the baseline has
    // them) follow; the mean over three, 0.029, is within the threshold and the budget is spent.
    const { rows, runner, finished } = await loop(near, [{ LR: 0.942 }], {
      min_delta: 0.03,
      baseline_runs: 3,
    });
    expect(runner.runs.map((r) => `${r.id}:${r.seed}`)).toEqual([
      "exp-000:1337",
      "exp-000:1338",
      "exp-000:1339",
      "exp-001:1337",
      "exp-001:1338",
      "exp-001:1339",
    ]);
    expect(finished.at(-1)?.reason).toMatch(
      /^val_bpb 3\.4710 vs the baseline 3\.5000: better by only 0\.0290, within the threshold 0\.0300 \(3 runs vs 3 runs of the baseline;/,
    );
    expect(rows.filter((r) => r.experiment === "exp-001").map((r) => r.status)).toEqual([
      "discard",
      "discard",
      "discard",
    ]);
  });

  it("runs the incumbent's missing seed when the candidate has all of the incumbent's", async () => {
    const { runner } = await loop(near, [{ LR: 0.942 }], { min_delta: 0.03 });
    expect(runner.runs.map((r) => `${r.id}:${r.seed}`)).toEqual([
      "exp-000:1337",
      "exp-000:1338",
      "exp-001:1337",
      "exp-001:1338",
      "exp-000:1339",
      "exp-001:1339",
    ]);
  });

  it("decides at once on what there is when no extra seeds are allowed", async () => {
    const { runner, finished } = await loop(near, [{ LR: 0.942 }], { min_delta: 0.03, extra_seeds: 0 });
    expect(runner.runs).toHaveLength(3);
    expect(finished.at(-1)?.verdict).toBe("discard");
  });

  it("re-runs the incumbent after keeps in a row that rest on one run, and its mean replaces the lucky run", async () => {
    // Each keep is lucky on seed 1337 (-0.01); its re-run on seed 1338 (+0.01) shows the mean.
    const { rows, notices } = await loop(lrScore, [{ LR: 0.5 }, { LR: 0.2 }], {
      rerun_incumbent_every: 2,
      baseline_runs: 3,
    });
    expect(table(rows).slice(-2)).toEqual([
      ["exp-002", "proxy", 1337, "keep"],
      ["exp-002", "proxy", 1338, "keep"],
    ]);
    expect(notices.some((n) => /^exp-002 proxy seed 1338: val_bpb 3\.1100$/.test(n))).toBe(true);
  });

  it("confirms a budget-coupled change at a longer budget and keeps it when the gain holds", async () => {
    const holds: Score = (s, seed, factor) => 3 - (0.02 * (20 - s.WARMDOWN_ITERS) + quiet(seed)) / factor;
    const { rows, finished, state, proposer } = await loop(holds, [{ WARMDOWN_ITERS: 10 }]);
    expect(table(rows)).toEqual([
      ["exp-000", "proxy", 1337, "keep"],
      ["exp-000", "proxy", 1338, "keep"],
      ["exp-000", "proxy@4x", 1337, "keep"],
      ["exp-000", "proxy@4x", 1338, "keep"],
      ["exp-001", "proxy", 1337, "keep"],
      ["exp-001", "proxy@4x", 1337, "keep"],
      ["exp-001", "proxy@4x", 1338, "keep"],
    ]);
    expect(finished.at(-1)?.reason).toMatch(
      /budget-coupled: WARMDOWN_ITERS 20 -> 10 depends on the run's length.*: confirmed at 4x the proxy budget, val_bpb/,
    );
    expect(state.experiments["exp-001"]?.changeClass).toBe("schedule");
    expect(state.experiments["exp-001"]?.tierGain?.tier).toBe("proxy@4x");
    expect(proposer.analyses[0]?.changeNote).toMatch(/^budget-coupled: WARMDOWN_ITERS/);
  });

  it("does not keep a proxy win that reverses at the longer budget (the warm-down artifact)", async () => {
    // A shorter warm-down wins at the 60-step proxy and loses at 4x.
    const artifact: Score = (s, seed, factor) =>
      3 + (factor === 1 ? -0.02 : 0.02) * (20 - s.WARMDOWN_ITERS) + jitter(seed) / 10;
    const { rows, finished, forge } = await loop(artifact, [{ WARMDOWN_ITERS: 10 }]);
    expect(finished.at(-1)?.verdict).toBe("discard");
    expect(finished.at(-1)?.reason).toMatch(
      /^not kept: the gain did not hold at 4x the proxy budget \(gain -0\.2\d+ there/,
    );
    expect(rows.filter((r) => r.experiment === "exp-001").map((r) => r.status)).toEqual([
      "discard",
      "discard",
      "discard",
    ]);
    const baseline = rows.find((r) => r.experiment === "exp-000");
    expect(await forge.lineHead()).toBe(baseline?.commit);
  });

  it("does not keep a budget-coupled change whose confirmation run crashes", async () => {
    const crashes: Score = (s, seed, factor) =>
      factor > 1 && s.WARMDOWN_ITERS === 10
        ? "crash"
        : 3 - 0.02 * (20 - s.WARMDOWN_ITERS) + jitter(seed) / 10;
    const { rows, finished } = await loop(crashes, [{ WARMDOWN_ITERS: 10 }]);
    expect(finished.at(-1)?.reason).toBe(
      "not kept: its confirmation run at 4x the proxy budget crashed (RuntimeError: out of memory)",
    );
    expect(rows.filter((r) => r.experiment === "exp-001").map((r) => [r.tier, r.status])).toEqual([
      ["proxy", "discard"],
      ["proxy@4x", "crash"],
    ]);
  });

  it("does not keep a change whose knob is too long to confirm within the largest factor", async () => {
    const wins: Score = (s, seed) => 3 - 0.001 * s.WARMDOWN_ITERS + jitter(seed) / 10;
    // WARMDOWN_ITERS 20 -> 400 at a 60-step proxy needs 1,600 steps: 27x, beyond max_factor 16.
    const { runner, finished } = await loop(wins, [{ WARMDOWN_ITERS: 400 }]);
    expect(finished.at(-1)?.verdict).toBe("discard");
    expect(finished.at(-1)?.reason).toMatch(
      /^not kept on the proxy alone: budget-coupled: WARMDOWN_ITERS 20 -> 400 .*; a length of 400 steps needs a run of at least 1600 steps to be 25% of it, 27x the proxy's 60 steps, beyond the 16x the confirmation allows\./,
    );
    expect(runner.runs.every((r) => r.factor === 1)).toBe(true);
  });

  it("grows the confirmation budget until the knob fits", async () => {
    const holds: Score = (s, seed) => 3 - 0.01 * (s.WARMDOWN_ITERS - 20) + jitter(seed) / 10;
    // 20 -> 80 needs 320 steps: 6x a 60-step proxy.
    const { runner } = await loop(holds, [{ WARMDOWN_ITERS: 80 }]);
    expect([...new Set(runner.runs.map((r) => r.factor))]).toEqual([1, 6]);
  });

  describe("on a wall-clock tier", () => {
    const wallClock = { MAX_WALLCLOCK_SECONDS: "30" };

    it("re-runs the incumbent in the same period before a keep, and keeps when the machine is as before", async () => {
      // The wider model is legitimately slower (20 ms/step against 10): not a flag.
      const score: Score = (s, seed) => 3 - 0.1 * s.DIM + jitter(seed) / 10;
      const { runner, finished } = await loop(
        score,
        [{ DIM: 4 }],
        {},
        {},
        {
          env: wallClock,
          speed: (s) => (s.DIM === 4 ? 20 : 10),
        },
      );
      expect(runner.runs.map((r) => `${r.id}:${r.seed}`)).toEqual([
        "exp-000:1337",
        "exp-000:1338",
        "exp-001:1337",
        "exp-000:1339",
      ]);
      expect(finished.at(-1)?.verdict).toBe("keep");
    });

    it("flags a run whose incumbent re-run shows a busier machine: a busier machine is not a result", async () => {
      const score: Score = (s, seed) => 3 - 0.1 * s.DIM + jitter(seed) / 10;
      // From the third run on, every step takes twice as long (another job took the machine).
      const { finished, rows } = await loop(
        score,
        [{ DIM: 4 }],
        {},
        {},
        {
          env: wallClock,
          speed: (_s, run) => (run >= 2 ? 20 : 10),
        },
      );
      expect(finished.at(-1)?.verdict).toBe("discard");
      expect(finished.at(-1)?.reason).toBe(
        "flagged, not kept: machine load: the incumbent re-run in the same period took 20.0 ms/step against 10.0 ms/step in its 2 earlier run(s), more than their spread allows, so this run's steps reflect the machine, not the change",
      );
      expect(rows.filter((r) => r.experiment === "exp-000").map((r) => r.seed)).toEqual([1337, 1338, 1339]);
    });

    it("flags an optimizer change that ran at another speed than the incumbent in the same period", async () => {
      const { finished } = await loop(
        lrScore,
        [{ LR: 0.5 }],
        {},
        {},
        {
          env: wallClock,
          speed: (_s, run) => (run === 2 ? 15 : 10),
        },
      );
      expect(finished.at(-1)?.reason).toMatch(
        /^flagged, not kept: machine load: a change that cannot alter the step time ran at 15\.0 ms\/step while the incumbent ran at 10\.0 ms\/step/,
      );
    });
  });
});
