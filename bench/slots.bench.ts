/**
 * Slots: experiments per hour with k = 1, 2, 4, 8 slots, through the real loop (real git, real file store,
 * the real baton and stale-base rule) against a fake trainer with the phase times the root train_gpt.py
 * showed through `caddie run` at a 60 s proxy on one H100 (scripts/device/phases-root.sh): start-up 45 s
 * warm (110 s for a slot's first, cold, run), the 60 s training loop, 13 s of evaluation and serialization,
 * 4 s of exit, then caddie's own scoring step on the run's GPU (7.5 s). Time is virtual: the clock is real
 * time plus a jump to the next event whenever caddie has been idle for IDLE_MS, so caddie's own work
 * between runs counts at its real cost while a run's two minutes cost nothing. Also: one slot with a
 * proposer that thinks 30 s per proposal (its proposals are prepared while runs train), and overlap at 1
 * and 8 slots. Each experiment has a 15% chance of a real gain, so keeps move the line and would-be keeps
 * measured on a line that moved are trained again (that cost is counted).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseConfig } from "../src/core/config.ts";
import type { Slot } from "../src/core/slots.ts";
import type {
  Analysis,
  Proposal,
  Proposer,
  ProposeInput,
  Runner,
  RunOutcome,
  RunRequest,
  Scorer,
  ScoreRequest,
} from "../src/engine/ports.ts";
import type { ScoreResult } from "../src/core/score-result.ts";
import { runResearchLoop } from "../src/engine/research-loop.ts";
import { FileStore } from "../src/local/file-store.ts";
import { GitForge } from "../src/local/git-forge.ts";
import { Git } from "../src/local/git.ts";
import type { BenchResult } from "./bench-result.ts";

// Seconds of each phase, as measured on one H100 (the scoring step: caddie's own score after each run).
const PHASES = { startup: 45, coldStartup: 110, training: 60, evaluation: 13, exit: 4, scoring: 7.5 };
const HOURS = 1;
const LINES = 4000;
// Real milliseconds without any of caddie's activity before virtual time jumps to the next event.
const IDLE_MS = 50;

/** Virtual time: real time plus the jumps taken while every slot trains. */
class Sim {
  private offset = 0;
  private events: { at: number; fire: () => void }[] = [];
  /** caddie's own calls in progress (git, files): while any runs, or just ended, time does not jump. */
  private busy = 0;
  private lastActivity = Date.now();
  private stopped = false;
  readonly now = () => Date.now() + this.offset;

  /** Resolves `seconds` of virtual time from now. */
  wait(seconds: number): Promise<void> {
    this.lastActivity = Date.now();
    return new Promise((resolve) => {
      this.events.push({
        at: this.now() + seconds * 1000,
        fire: () => {
          resolve();
        },
      });
      this.events.sort((a, b) => a.at - b.at);
    });
  }

  async pump(): Promise<void> {
    while (!this.stopped) {
      const next = this.events[0];
      // Time jumps only once caddie has done nothing for a while (no call in progress, nothing just
      // ended): whatever caddie does between runs then costs its real time, on every slot.
      const idle = this.busy === 0 && Date.now() - this.lastActivity > IDLE_MS;
      if (next && (next.at <= this.now() || idle)) {
        this.offset += Math.max(0, next.at - this.now());
        this.events.shift();
        this.lastActivity = Date.now();
        next.fire();
      }
      await new Promise((r) => setTimeout(r, next && next.at <= this.now() ? 0 : 2));
    }
  }

  /** The same object, each method call counted as caddie's work (it takes real time, and so virtual time). */
  track<T extends object>(target: T): T {
    return new Proxy(target, {
      get: (obj, key, receiver) => {
        const value: unknown = Reflect.get(obj, key, receiver);
        if (typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          this.busy++;
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(obj, args);
          } finally {
            this.busy--;
            this.lastActivity = Date.now();
          }
        };
      },
    });
  }

  stop(): void {
    this.stopped = true;
  }
}

const MODEL_BYTES = 14_950_000;

/** What the script's settings are worth: 1.25 minus the gains of its lines. */
function trueBpb(script: string): number {
  let gain = 0;
  for (const m of script.matchAll(/^P\d+ = (-?[\d.]+)$/gm)) gain += Number(m[1]);
  return 1.25 - gain;
}

/** The fake trainer: the script's settings decide the score; phase times as on the GPU. */
class FakeTrainer implements Runner {
  private warmSlots = new Set<string>();
  runs = 0;
  constructor(
    private readonly forge: GitForge,
    private readonly sim: Sim,
  ) {}
  async run(request: RunRequest): Promise<RunOutcome> {
    const script = (await this.forge.readFile(request.commit, "train_gpt.py")) ?? "";
    const slot = request.devices?.join(",") ?? "default";
    const startup = this.warmSlots.has(slot) ? PHASES.startup : PHASES.coldStartup;
    this.warmSlots.add(slot);
    const wall = startup + PHASES.training + PHASES.evaluation + PHASES.exit;
    // The line that ends the training loop (with overlap, the slot's next run may start now).
    await this.sim.wait(startup + PHASES.training);
    request.onLine?.(`step:1000/1000 val_loss:2.0 train_time:${PHASES.training * 1000}ms`);
    await this.sim.wait(PHASES.evaluation + PHASES.exit);
    this.runs++;
    const bpb = trueBpb(script);
    return {
      exitCode: 0,
      timedOut: false,
      seconds: wall,
      logText: `step:1000/1000 val_loss:2.0 val_bpb:${bpb.toFixed(6)} train_time:${PHASES.training * 1000}ms\nTotal submission size int8+zlib: ${Buffer.byteLength(script) + MODEL_BYTES} bytes\nfinal_int8_zlib_roundtrip_exact val_loss:2.00000000 val_bpb:${bpb.toFixed(8)}\n`,
      logPath: "run.log",
      modelBytes: MODEL_BYTES,
      modelPath: "final_model.int8.ptz",
      timing: {
        wallSeconds: wall,
        trainLoopSeconds: PHASES.training,
        steps: 1000,
        phases: { startup, training: PHASES.training, evaluation: PHASES.evaluation, exit: PHASES.exit },
      },
    };
  }
}

/** caddie's scoring step: the same score the fake run printed, after PHASES.scoring on the run's slot. */
class FakeScorer implements Scorer {
  constructor(
    private readonly forge: GitForge,
    private readonly sim: Sim,
  ) {}
  async score(request: ScoreRequest): Promise<ScoreResult> {
    const script = (await this.forge.readFile(request.commit, "train_gpt.py")) ?? "";
    await this.sim.wait(PHASES.scoring);
    return {
      status: "verified",
      reason: null,
      valBpb: Number(trueBpb(script).toFixed(8)),
      valLoss: 2,
      tokens: 1_000_000,
      bytes: 2_400_000,
      contextLen: 1024,
      contract: "bench",
      causality: { probes: 2, maxAbsDiff: 0, ok: true },
      sandbox: "bwrap",
      network: "blocked",
      seconds: PHASES.scoring,
      loadSeconds: 2,
      modelBytes: MODEL_BYTES,
    };
  }
}

/** Sets one line of its own per experiment: a gain of 0.01 with probability 0.15, else a small loss. */
class LineProposer implements Proposer {
  readonly name = "bench";
  private n = 0;
  private random = 1;
  constructor(
    private readonly sim: Sim,
    private readonly thinkSeconds: number,
  ) {}
  get prefersLatest(): boolean {
    return this.thinkSeconds === 0;
  }
  async propose(input: ProposeInput): Promise<Proposal> {
    if (this.thinkSeconds > 0) await this.sim.wait(this.thinkSeconds);
    const n = this.n++ % LINES;
    this.random = (this.random * 48271) % 2147483647;
    const gain = this.random / 2147483647 < 0.15 ? 0.01 : -0.003;
    const script = (input.files["train_gpt.py"] ?? "").replace(
      new RegExp(`^P${n} = .*$`, "m"),
      `P${n} = ${gain}`,
    );
    return {
      description: `P${n} ${gain}`,
      direction: null,
      reasoning: { hypothesis: "h", evidence: "e", risk: "r" },
      edits: [{ path: "train_gpt.py", content: script }],
      config: { n: String(this.n) },
    };
  }
  async analyse(): Promise<Analysis> {
    return { result: "", vsExpected: "", why: "", lesson: "" };
  }
  async fix(): Promise<null> {
    return null;
  }
}

async function session(k: number, thinkSeconds: number, overlap = false) {
  const dir = await mkdtemp(path.join(tmpdir(), "caddie-slots-bench-"));
  try {
    const git = new Git(dir);
    await git.run(["init", "-q", "-b", "main"]);
    const { writeFile } = await import("node:fs/promises");
    await writeFile(
      path.join(dir, "train_gpt.py"),
      Array.from({ length: LINES }, (_, i) => `P${i} = 0`).join("\n") + "\n",
    );
    await git.run(["add", "-A"]);
    await git.run(["-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "base"]);
    const forge = await GitForge.open(dir, "bench");
    const sim = new Sim();
    const pump = sim.pump();
    const tracked = sim.track(forge);
    const runner = new FakeTrainer(tracked, sim);
    const config = parseConfig({
      thresholds: { min_delta: 0.002, baseline_runs: 2, extra_seeds: 0, rerun_incumbent_every: 0 },
      tiers: { proxy: { env: { ITERATIONS: "1000" } } },
    });
    const slots: Slot[] = Array.from({ length: k }, (_, i) => ({
      index: i,
      devices: [String(i)],
      label: `gpu ${i}`,
    }));
    const summary = await runResearchLoop(
      {
        forge: tracked,
        runner,
        scorer: new FakeScorer(tracked, sim),
        store: sim.track(new FileStore(path.join(dir, ".caddie", "bench"))),
        proposer: new LineProposer(sim, thinkSeconds),
        clock: { now: sim.now },
        config,
        program: "",
      },
      { maxExperiments: 100_000, maxHours: HOURS, slots, overlap },
    );
    sim.stop();
    await pump;
    const hours = summary.wallSeconds / 3600;
    const rows = await new FileStore(path.join(dir, ".caddie", "bench")).readLedger();
    return {
      flagged: rows.filter((r) => r.flags.some((f) => f.code === "gpu_shared")).length,
      perHour: summary.experiments / hours,
      duty: summary.trainSeconds / (summary.wallSeconds * k),
      reruns: runner.runs - summary.experiments - config.thresholds.baselineRuns,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchSlots(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  let one = 0;
  for (const k of [1, 2, 4, 8]) {
    const r = await session(k, 0);
    if (k === 1) one = r.perHour;
    results.push({
      name: `${k} slot${k === 1 ? "" : "s"}, instant proposer: experiments per hour (training-loop share per GPU ${r.duty.toFixed(2)}; re-runs after a moved line: ${r.reruns})`,
      value: r.perHour,
      unit: "exp/h",
      goal: k === 1 ? "(reference)" : `>= ${(0.9 * k * one).toFixed(1)} (0.9 k)`,
    });
    if (k > 1)
      results.push({
        name: `  speed-up over 1 slot`,
        value: r.perHour / one,
        unit: "x",
        goal: `>= ${(0.9 * k).toFixed(1)}`,
      });
  }
  // A proposer that thinks 30 s a proposal: its proposals are written while the runs train.
  const thinking = await session(1, 30);
  results.push({
    name: `1 slot, proposer thinking 30 s: experiments per hour (training-loop share ${thinking.duty.toFixed(2)})`,
    value: thinking.perHour,
    unit: "exp/h",
    goal: `>= ${(0.95 * one).toFixed(1)} (a slot never waits for the model)`,
  });
  // Overlap: the next run starts up while the one before it evaluates and is scored.
  for (const k of [1, 8]) {
    const r = await session(k, 0, true);
    const base = k === 1 ? one : (results.find((x) => x.name.startsWith("8 slots"))?.value ?? one * 8);
    results.push({
      name: `${k} slot${k === 1 ? "" : "s"} with overlap: experiments per hour (training-loop share per GPU ${r.duty.toFixed(2)}; re-runs after a moved line: ${r.reruns}; runs flagged gpu_shared: ${r.flagged})`,
      value: r.perHour,
      unit: "exp/h",
      goal: `> ${base.toFixed(1)} (without overlap), or overlap stays off`,
    });
  }
  return results;
}
