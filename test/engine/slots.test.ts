/**
 * Several slots in the research loop, with real git and a real file store but a gated runner: each run
 * waits until the test finishes it, so which runs train at once, in which order they finish and what the
 * loop decides is scripted by promises, never by the clock.
 */
import { afterEach, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseConfig } from "../../src/core/config.ts";
import type { Slot } from "../../src/core/slots.ts";
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
import type { ScoreResult } from "../../src/core/score-result.ts";
import type { RunTiming } from "../../src/core/run-timing.ts";
import { ProposerExhausted } from "../../src/engine/proposer-exhausted.ts";
import { runResearchLoop, type LoopOptions } from "../../src/engine/research-loop.ts";
import type { LoopEvents } from "../../src/engine/loop-events.ts";
import { FileStore } from "../../src/local/file-store.ts";
import { GitForge } from "../../src/local/git-forge.ts";
import { tempRepo } from "../helpers/temp-repo.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

// One setting per line, as in golf_mini: changes to different settings merge.
const SCRIPT = "LR = 1\nDIM = 2\nLAYERS = 3\n";
const SLOTS: Slot[] = [
  { index: 0, devices: ["0"], label: "gpu 0" },
  { index: 1, devices: ["1"], label: "gpu 1" },
];

/** Wakes `until` waiters whenever something happened (a run started, a decision, a proposal). */
class Watch {
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];
  bump(): void {
    for (const w of [...this.waiters])
      if (w.pred()) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
  }
  until(pred: () => boolean): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }
}

function score(script: string): number {
  const value = (name: string) => Number(new RegExp(`${name} = (\\d+)`).exec(script)?.[1] ?? 0);
  return 3 + value("LR") * 0.1 - value("DIM") * 0.05;
}

interface Gate {
  request: RunRequest;
  script: string;
  done: boolean;
  finish(how?: "ok" | "hang", timing?: RunTiming): void;
  /** The run prints the line that ends its training loop (it evaluates now). */
  endTraining(): void;
}

/** A runner whose runs finish when the test says (the baseline at once); Ctrl-C ends them as a kill would. */
class GatedRunner implements Runner {
  gates: Gate[] = [];
  /** Runs that finish as soon as they start. */
  finishesAtOnce = (request: RunRequest) => request.id === "exp-000";
  constructor(
    private readonly forge: GitForge,
    private readonly watch: Watch,
  ) {}

  async run(request: RunRequest): Promise<RunOutcome> {
    const script = (await this.forge.readFile(request.commit, "train.py")) ?? "";
    return new Promise((resolve) => {
      const gate: Gate = {
        request,
        script,
        done: false,
        finish: (how = "ok", timing) => {
          gate.done = true;
          resolve(
            how === "hang"
              ? { ...outcome(script, 1, 600), timedOut: true, logText: "step:1/100 train_loss:4.0\n" }
              : { ...outcome(script, 0, 10), ...(timing ? { timing } : {}) },
          );
        },
        endTraining: () => request.onLine?.("stopping_early: wallclock_cap train_time:60000ms step:10/100"),
      };
      request.signal?.addEventListener(
        "abort",
        () => {
          gate.done = true;
          resolve({ ...outcome(script, 130, 5), logText: "step:1/100\n", modelBytes: null });
        },
        { once: true },
      );
      this.gates.push(gate);
      if (this.finishesAtOnce(request)) gate.finish();
      this.watch.bump();
    });
  }

  /** The unfinished run of an experiment. */
  open(id: string): Gate {
    const gate = this.gates.find((g) => g.request.id === id && !g.done);
    if (!gate) throw new Error(`${id} is not training`);
    return gate;
  }

  training(): string[] {
    return this.gates.filter((g) => !g.done).map((g) => g.request.id);
  }
}

function outcome(script: string, exitCode: number, seconds: number): RunOutcome {
  return {
    exitCode,
    timedOut: false,
    seconds,
    logText: `Total submission size int8+zlib: ${Buffer.byteLength(script) + 1000} bytes\nfinal_int8_zlib_roundtrip_exact val_loss:2.00000000 val_bpb:${score(script).toFixed(8)}\n`,
    logPath: "run.log",
    modelBytes: 1000,
    modelPath: "model.bin",
  };
}

/**
 * caddie's own score (the script's true value), taken where the run trained. It records the GPUs of each
 * score and whether a run of another experiment was training on them at that moment (never allowed).
 */
class SlotScorer implements Scorer {
  scored: { id: string; devices: string | null; sharedWith: string[] }[] = [];
  constructor(
    private readonly forge: GitForge,
    private readonly runner: GatedRunner,
  ) {}
  async score(request: ScoreRequest): Promise<ScoreResult> {
    const devices = request.devices?.join(",") ?? null;
    const sharedWith = this.runner.gates
      .filter((g) => !g.done && (g.request.devices?.join(",") ?? null) === devices)
      .map((g) => g.request.id);
    this.scored.push({ id: request.id, devices, sharedWith });
    const script = (await this.forge.readFile(request.commit, "train.py")) ?? "";
    return {
      status: "verified",
      reason: null,
      valBpb: score(script),
      valLoss: 2,
      tokens: 1000,
      bytes: 1000,
      contextLen: 128,
      contract: "scripted",
      causality: { probes: 2, maxAbsDiff: 0, ok: true },
      sandbox: "none",
      network: "open",
      seconds: 1,
      loadSeconds: 0.1,
      modelBytes: 1000,
    };
  }
}

type Change = (script: string) => { description: string; script: string };
const set =
  (name: string, value: number): Change =>
  (script) => ({
    description: `${name} ${value}`,
    script: script.replace(new RegExp(`${name} = \\d+`), `${name} = ${value}`),
  });

/** Proposes the given changes in order; records what it was told was in flight. */
class ListProposer implements Proposer {
  readonly name = "list";
  inputs: ProposeInput[] = [];
  /** While set, a proposal waits for release(): the model is thinking. */
  hold = false;
  private held: (() => void)[] = [];
  constructor(
    private readonly changes: Change[],
    private readonly watch: Watch,
    readonly prefersLatest = true,
  ) {}
  release(): void {
    this.hold = false;
    for (const go of this.held.splice(0)) go();
  }
  async propose(input: ProposeInput): Promise<Proposal> {
    this.inputs.push(input);
    this.watch.bump();
    if (this.hold) await new Promise<void>((go) => this.held.push(go));
    const next = this.changes.shift()?.(input.files["train.py"] ?? "");
    if (!next) throw new ProposerExhausted("the search space is exhausted");
    return {
      description: next.description,
      direction: next.description.split(" ")[0] ?? null,
      edits: [{ path: "train.py", content: next.script }],
      reasoning: { hypothesis: "h", evidence: "e", risk: "r" },
      config: { change: next.description },
    };
  }
  async analyse(input: AnalyseInput): Promise<Analysis> {
    return { result: String(input.summary.val_bpb), vsExpected: "-", why: input.reason, lesson: "-" };
  }
  async fix(): Promise<null> {
    return null;
  }
}

async function setup(
  changes: Change[],
  options: { prefersLatest?: boolean; rerunIncumbentEvery?: number; baselineRuns?: number } = {},
) {
  const repo = await tempRepo({ "train.py": SCRIPT });
  cleanups.push(repo.cleanup);
  const forge = await GitForge.open(repo.dir, "t");
  const stateDir = await mkdtemp(path.join(tmpdir(), "caddie-state-"));
  cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
  const watch = new Watch();
  const store = new FileStore(stateDir);
  const runner = new GatedRunner(forge, watch);
  const clock = { ms: 0 };
  const scorer = new SlotScorer(forge, runner);
  const proposer = new ListProposer(changes, watch, options.prefersLatest ?? true);
  const decided: string[] = [];
  const reasons = new Map<string, string>();
  const notices: string[] = [];
  const events: LoopEvents = {
    runFinished: ({ id, row, decision }) => {
      decided.push(`${id} ${row.status}`);
      reasons.set(id, decision.reason);
      watch.bump();
    },
    notice: (text) => {
      notices.push(text);
      watch.bump();
    },
  };
  // Two baselines (the noise, measured on both slots at once); no extra seeds or incumbent re-runs, which
  // test/engine/keeps.test.ts covers; a step budget, so no machine-load check.
  const config = parseConfig({
    target: "train.py",
    thresholds: {
      min_delta: 0.01,
      baseline_runs: options.baselineRuns ?? 2,
      extra_seeds: 0,
      rerun_incumbent_every: options.rerunIncumbentEvery ?? 0,
    },
    tiers: { proxy: { env: { ITERATIONS: "60" } } },
  });
  const start = (loop: Partial<LoopOptions> = {}) =>
    runResearchLoop(
      { forge, runner, scorer, store, proposer, clock: { now: () => clock.ms }, config, program: "", events },
      { maxExperiments: 10, maxHours: null, slots: SLOTS, ...loop },
    );
  return { forge, store, runner, scorer, proposer, watch, decided, reasons, notices, start, clock };
}

const ledger = async (store: FileStore) =>
  (await store.readLedger()).map((r) => `${r.experiment} ${r.status} ${r.description}`);

describe("research loop with slots", () => {
  it("keeps one run per slot in flight, each on its own GPUs", async () => {
    const t = await setup([set("LR", 2), set("LR", 3), set("LR", 4), set("LR", 5)]);
    const loop = t.start({ maxExperiments: 4 });
    await t.watch.until(() => t.runner.training().length === 2);
    expect(t.runner.training()).toEqual(["exp-001", "exp-002"]);
    // The two baseline seeds trained side by side, one per slot.
    expect(t.runner.gates.map((g) => [g.request.id, g.request.seed, g.request.devices])).toEqual([
      ["exp-000", 1337, ["0"]],
      ["exp-000", 1338, ["1"]],
      ["exp-001", 1337, ["0"]],
      ["exp-002", 1337, ["1"]],
    ]);
    // The slot that frees up takes the next experiment; never more than two at once.
    t.runner.open("exp-001").finish();
    await t.watch.until(() => t.runner.training().includes("exp-003"));
    expect(t.runner.training()).toEqual(["exp-002", "exp-003"]);
    expect(t.runner.open("exp-003").request.devices).toEqual(["0"]);
    t.runner.open("exp-003").finish();
    t.runner.open("exp-002").finish();
    await t.watch.until(() => t.runner.training().includes("exp-004"));
    t.runner.open("exp-004").finish();
    const summary = await loop;
    expect(summary).toMatchObject({ experiments: 4, stopReason: "max-experiments", slots: 2 });
    expect((await ledger(t.store)).length).toBe(6);
    // caddie scored every run on the GPUs it trained on, while no other run trained there.
    expect(t.scorer.scored.map((s) => `${s.id}@${s.devices}`).sort()).toEqual(
      t.runner.gates.map((g) => `${g.request.id}@${g.request.devices?.join(",")}`).sort(),
    );
    expect(t.scorer.scored.filter((s) => s.sharedWith.length > 0)).toEqual([]);
  });

  it("trains a run two verdicts need at once (the incumbent on the same fresh seed) once, for both", async () => {
    // One baseline: each verdict first needs the incumbent again (the noise), on the same fresh seed.
    const t = await setup([set("LR", 2), set("LR", 3)], { baselineRuns: 1 });
    t.runner.finishesAtOnce = (r) => r.id === "exp-000" && r.seed === 1337;
    const loop = t.start({ maxExperiments: 2 });
    await t.watch.until(() => t.runner.training().length === 2);
    t.runner.open("exp-001").finish();
    await t.watch.until(() => t.runner.training().includes("exp-000"));
    const again = t.runner.open("exp-000");
    expect([again.request.seed, again.request.devices]).toEqual([1338, ["0"]]);
    t.runner.open("exp-002").finish();
    await t.watch.until(() => t.notices.some((n) => /exp-000 seed 1338: the same run is training/.test(n)));
    again.finish();
    await loop;
    expect(t.runner.gates.filter((g) => g.request.id === "exp-000").map((g) => g.request.seed)).toEqual([
      1337, 1338,
    ]);
    expect(await ledger(t.store)).toEqual([
      "exp-000 keep baseline: the training script as it is",
      expect.stringMatching(/^exp-000 keep baseline: the training script as it is \(re-run: /),
      "exp-001 discard LR 2",
      "exp-002 discard LR 3",
    ]);
  });

  it("decides results in the order they finish", async () => {
    const t = await setup([set("LR", 2), set("LR", 3)]);
    const loop = t.start({ maxExperiments: 2 });
    await t.watch.until(() => t.runner.training().length === 2);
    t.runner.open("exp-002").finish();
    await t.watch.until(() => t.decided.length === 3);
    t.runner.open("exp-001").finish();
    await loop;
    expect(t.decided).toEqual(["exp-000 keep", "exp-000 keep", "exp-002 discard", "exp-001 discard"]);
    expect(await ledger(t.store)).toEqual([
      "exp-000 keep baseline: the training script as it is",
      "exp-000 keep baseline: the training script as it is",
      "exp-002 discard LR 3",
      "exp-001 discard LR 2",
    ]);
    const state = await t.store.readState();
    expect(state.counter).toBe(2);
    expect(state.pending).toEqual({});
  });

  it("tells the proposer what is in flight, and a repeat waits for a result instead of training twice", async () => {
    const t = await setup([set("LR", 2), set("LR", 2), set("DIM", 3)]);
    const loop = t.start({ maxExperiments: 2 });
    // Slot 1's proposal repeats exp-001 (in flight): it waits, and proposes again after the decision.
    await t.watch.until(() => t.proposer.inputs.length === 2);
    expect(t.proposer.inputs[1]?.inFlight).toEqual([
      { description: "LR 2", direction: "LR", config: { change: "LR 2" } },
    ]);
    expect(t.proposer.inputs[1]?.context).toContain(
      "## In flight now (do not propose these again)\n\n- LR 2",
    );
    expect(t.runner.training()).toEqual(["exp-001"]);
    t.runner.open("exp-001").finish();
    await t.watch.until(() => t.runner.training().includes("exp-002"));
    t.runner.open("exp-002").finish();
    await loop;
    expect(await ledger(t.store)).toEqual([
      "exp-000 keep baseline: the training script as it is",
      "exp-000 keep baseline: the training script as it is",
      "exp-001 discard LR 2",
      "exp-002 keep DIM 3",
    ]);
  });

  it("trains a would-be keep again on the new line when another keep moved it, and merges both changes", async () => {
    const t = await setup([set("LR", 0), set("DIM", 9)]);
    const loop = t.start({ maxExperiments: 2 });
    await t.watch.until(() => t.runner.training().length === 2);
    const base = await t.forge.lineHead();
    t.runner.open("exp-001").finish(); // LR 0: kept, the line moves
    await t.watch.until(() => t.decided.length === 3);
    t.runner.open("exp-002").finish(); // DIM 9 beat the new best, but was measured on the old line
    await t.watch.until(() => t.runner.training().includes("exp-002"));
    const again = t.runner.open("exp-002");
    expect(again.script).toBe("LR = 0\nDIM = 9\nLAYERS = 3\n");
    expect(t.notices.join("\n")).toMatch(
      new RegExp(
        `exp-002: would be kept, but the line moved from ${base.slice(0, 7)} .* training it again on the new line \\(gpu 1\\)`,
      ),
    );
    again.finish();
    await loop;
    expect(await ledger(t.store)).toEqual([
      "exp-000 keep baseline: the training script as it is",
      "exp-000 keep baseline: the training script as it is",
      "exp-001 keep LR 0",
      "exp-002 keep DIM 9",
    ]);
    const rows = await t.store.readLedger();
    expect(await t.forge.lineHead()).toBe(rows[3]?.commit);
    expect(t.runner.gates.filter((g) => g.request.id === "exp-002").length).toBe(2);
  });

  it("does not keep a would-be keep whose change no longer applies on the moved line", async () => {
    const t = await setup([set("DIM", 4), set("DIM", 9)]);
    const loop = t.start({ maxExperiments: 2 });
    await t.watch.until(() => t.runner.training().length === 2);
    t.runner.open("exp-001").finish(); // DIM 4: kept
    await t.watch.until(() => t.decided.length === 3);
    t.runner.open("exp-002").finish(); // DIM 9 beats the new best, but changes the same line as DIM 4
    await loop;
    const rows = await t.store.readLedger();
    expect(rows.map((r) => `${r.experiment} ${r.status}`)).toEqual([
      "exp-000 keep",
      "exp-000 keep",
      "exp-001 keep",
      "exp-002 discard",
    ]);
    expect(await t.forge.lineHead()).toBe(rows[2]?.commit);
    expect(t.runner.gates.filter((g) => g.request.id === "exp-002").length).toBe(1);
    expect(t.reasons.get("exp-002")).toMatch(
      /the line moved while it trained, and the change no longer applies/,
    );
  });

  it("prepares each slot's next proposal while its run trains, so a freed slot never waits for the model", async () => {
    const t = await setup([set("LR", 2), set("LR", 3), set("LR", 4), set("LR", 5)], { prefersLatest: false });
    const loop = t.start({ maxExperiments: 4 });
    // Both slots training, and both next proposals already written, each knowing what is in flight.
    await t.watch.until(() => t.runner.training().length === 2 && t.proposer.inputs.length === 4);
    for (const input of t.proposer.inputs.slice(2)) expect(input.inFlight?.length).toBeGreaterThan(0);
    // From now on the model "thinks" until released: the freed slot starts its prepared proposal anyway.
    t.proposer.hold = true;
    t.runner.open("exp-001").finish();
    await t.watch.until(() => t.runner.training().includes("exp-003"));
    t.proposer.release();
    t.runner.open("exp-002").finish();
    await t.watch.until(() => t.runner.training().includes("exp-004"));
    t.runner.open("exp-003").finish();
    t.runner.open("exp-004").finish();
    expect((await loop).experiments).toBe(4);
    expect((await ledger(t.store)).slice(1).map((r) => r.split(" ").slice(2).join(" "))).toEqual(
      expect.arrayContaining(["LR 2", "LR 3", "LR 4", "LR 5"]),
    );
  });

  it("runs the extra runs a verdict asks for on the same slot while the other slot trains on", async () => {
    const t = await setup([set("LR", 0), set("LR", 3)], { rerunIncumbentEvery: 1 });
    const loop = t.start({ maxExperiments: 2 });
    await t.watch.until(() => t.runner.training().length === 2);
    // LR 0 is kept on slot 0; a keep resting on one run has the incumbent trained again, on slot 0.
    t.runner.open("exp-001").finish();
    await t.watch.until(() => t.runner.gates.filter((g) => g.request.id === "exp-001").length === 2);
    const again = t.runner.open("exp-001");
    expect(again.request.devices).toEqual(["0"]);
    expect(again.request.seed).not.toBe(1337);
    expect(t.runner.training().sort()).toEqual(["exp-001", "exp-002"]);
    again.finish();
    t.runner.open("exp-002").finish();
    await loop;
    const rows = await t.store.readLedger();
    expect(rows.filter((r) => r.experiment === "exp-001").map((r) => r.status)).toEqual(["keep", "keep"]);
  });

  it("goes on with the other slots when one run hangs past its timeout", async () => {
    const t = await setup([set("LR", 2), set("LR", 0), set("DIM", 3)]);
    const loop = t.start({ maxExperiments: 3 });
    await t.watch.until(() => t.runner.training().length === 2);
    t.runner.open("exp-001").finish("hang");
    await t.watch.until(() => t.runner.training().includes("exp-003"));
    t.runner.open("exp-002").finish();
    await t.watch.until(() => t.decided.length === 4);
    t.runner.open("exp-003").finish();
    await loop;
    const rows = await t.store.readLedger();
    // exp-003 (DIM 3, on the line before exp-002's keep) does not beat the new best: its discard stands.
    expect(rows.map((r) => `${r.experiment} ${r.status}`)).toEqual([
      "exp-000 keep",
      "exp-000 keep",
      "exp-001 crash",
      "exp-002 keep",
      "exp-003 discard",
    ]);
    expect(rows[2]?.description).toBe("LR 2");
    expect(t.reasons.get("exp-001")).toMatch(/timed out after 600 s/);
    expect(t.notices.join("\n")).not.toMatch(/exp-003: would be kept/);
  });

  it("stops every slot on Ctrl-C, records nothing half-done, and a resume trains what was in flight first", async () => {
    const t = await setup([set("LR", 2), set("LR", 0), set("DIM", 3)]);
    const stopper = new AbortController();
    const loop = t.start({ maxExperiments: 3, signal: stopper.signal });
    await t.watch.until(() => t.runner.training().length === 2);
    const inFlight = t.runner.gates.filter((g) => !g.done).map((g) => [g.request.id, g.request.commit]);
    stopper.abort();
    const stopped = await loop;
    expect(stopped).toMatchObject({ stopReason: "interrupted", experiments: 0 });
    expect(t.runner.training()).toEqual([]);
    expect(await ledger(t.store)).toEqual([
      "exp-000 keep baseline: the training script as it is",
      "exp-000 keep baseline: the training script as it is",
    ]);
    const state = await t.store.readState();
    expect(Object.keys(state.pending ?? {})).toEqual(["exp-001", "exp-002"]);
    expect(t.proposer.inputs.length).toBe(2);

    // Resume: both slots refill with the experiments that were in flight (same ids, same commits), with
    // no new proposal for them; the third experiment comes after.
    const resumed = t.start({ maxExperiments: 3 });
    await t.watch.until(() => t.runner.training().length === 2);
    const refilled = t.runner.gates.filter((g) => !g.done).map((g) => [g.request.id, g.request.commit]);
    expect(refilled.sort()).toEqual(inFlight.sort());
    expect(t.proposer.inputs.length).toBe(2);
    t.runner.open("exp-002").finish();
    await t.watch.until(() => t.runner.training().includes("exp-003"));
    t.runner.open("exp-001").finish();
    // Decided once scored: let exp-001's verdict in before exp-003 finishes, so the order is fixed.
    await t.watch.until(() => t.decided.includes("exp-001 discard"));
    t.runner.open("exp-003").finish();
    expect((await resumed).experiments).toBe(3);
    expect(await ledger(t.store)).toEqual([
      "exp-000 keep baseline: the training script as it is",
      "exp-000 keep baseline: the training script as it is",
      "exp-002 keep LR 0",
      "exp-001 discard LR 2",
      "exp-003 keep DIM 3",
    ]);
    expect((await t.store.readState()).pending).toEqual({});
  });

  it("lets the other slot finish and record its run when one slot fails, then reports the failure", async () => {
    const t = await setup([set("LR", 2), set("LR", 0)]);
    const loop = t.start({ maxExperiments: 4 });
    await t.watch.until(() => t.runner.training().length === 2);
    // The next proposal edits a file outside the allow-list: refused.
    t.proposer.propose = async () => ({
      description: "ci",
      direction: null,
      edits: [{ path: ".github/workflows/ci.yml", content: "x" }],
      reasoning: { hypothesis: "", evidence: "", risk: "" },
    });
    t.runner.open("exp-001").finish();
    await t.watch.until(() => t.decided.length === 3);
    expect(t.runner.training()).toEqual(["exp-002"]);
    t.runner.open("exp-002").finish();
    await expect(loop).rejects.toThrow(/refused edit to '.github\/workflows\/ci.yml'/);
    expect(await ledger(t.store)).toEqual([
      "exp-000 keep baseline: the training script as it is",
      "exp-000 keep baseline: the training script as it is",
      "exp-001 discard LR 2",
      "exp-002 keep LR 0",
    ]);
  });

  it("with overlap, starts a slot's next run once the run before it has left its training loop, never sooner", async () => {
    const t = await setup([set("LR", 2), set("LR", 3), set("LR", 4)]);
    const loop = t.start({ maxExperiments: 3, slots: [SLOTS[0] as Slot], overlap: true });
    await t.watch.until(() => t.runner.training().length === 1 && t.proposer.inputs.length === 2);
    // exp-002 is committed, waiting for exp-001 to leave its training loop.
    expect(t.runner.training()).toEqual(["exp-001"]);
    t.runner.open("exp-001").endTraining();
    await t.watch.until(() => t.runner.training().length === 2);
    expect(t.runner.gates.filter((g) => !g.done).map((g) => [g.request.id, g.request.devices])).toEqual([
      ["exp-001", ["0"]],
      ["exp-002", ["0"]],
    ]);
    // exp-001 is done; exp-003 waits while exp-002 trains.
    t.runner.open("exp-001").finish();
    await t.watch.until(() => t.decided.includes("exp-001 discard") && t.proposer.inputs.length === 3);
    expect(t.runner.training()).toEqual(["exp-002"]);
    t.runner.open("exp-002").endTraining();
    await t.watch.until(() => t.runner.training().includes("exp-003"));
    t.runner.open("exp-002").finish();
    t.runner.open("exp-003").finish();
    expect(await loop).toMatchObject({ experiments: 3, slots: 1 });
    expect((await t.store.readLedger()).flatMap((r) => r.flags)).toEqual([]);
  });

  it("with overlap, flags a run whose training loop shared the GPU with the run before it", async () => {
    const t = await setup([set("LR", 2), set("LR", 0)]);
    const loop = t.start({ maxExperiments: 2, slots: [SLOTS[0] as Slot], overlap: true });
    await t.watch.until(() => t.runner.training().length === 1 && t.proposer.inputs.length === 2);
    const timing = (startup: number): RunTiming => ({
      wallSeconds: startup + 70,
      trainLoopSeconds: 60,
      steps: 100,
      phases: { startup, training: 60, evaluation: 8, exit: 2 },
    });
    // exp-001: spawned at 0 s, trains 40-100 s; exp-002 starts at 100 s and trains from 105 s, while
    // exp-001 is still evaluating (it is done at 110 s).
    t.clock.ms = 100_000;
    t.runner.open("exp-001").endTraining();
    await t.watch.until(() => t.runner.training().includes("exp-002"));
    t.clock.ms = 110_000;
    t.runner.open("exp-001").finish("ok", timing(40));
    await t.watch.until(() => t.decided.includes("exp-001 discard"));
    t.clock.ms = 200_000;
    t.runner.open("exp-002").finish("ok", timing(5));
    await loop;
    const rows = await t.store.readLedger();
    expect(rows.find((r) => r.experiment === "exp-001")?.flags).toEqual([]);
    // LR 0 is better, but its training shared the GPU: flagged, not kept.
    const flagged = rows.find((r) => r.experiment === "exp-002");
    expect(flagged?.status).toBe("discard");
    expect(flagged?.flags.map((f) => f.code)).toEqual(["gpu_shared"]);
    expect(flagged?.flags[0]?.message).toMatch(/shared its GPUs for 5\.0 s with exp-001/);
  });

  it("stops when the search is exhausted and nothing is in flight that could open more", async () => {
    const t = await setup([set("LR", 2)]);
    const loop = t.start({ maxExperiments: 5 });
    await t.watch.until(() => t.runner.training().length === 1 && t.proposer.inputs.length === 2);
    t.runner.open("exp-001").finish();
    const summary = await loop;
    expect(summary).toMatchObject({ stopReason: "exhausted", experiments: 1 });
  });
});
