/**
 * The loop's own rules, with real git and a real file store but a scripted runner and proposer, so each
 * rule (max-hours, proposing ahead and carrying the change onto a new head, re-proposing on a conflict,
 * the one fix after a crash) is checked in milliseconds. test/local/local-loop.test.ts runs real training.
 */
import { afterEach, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseConfig } from "../../src/core/config.ts";
import type {
  AnalyseInput,
  Analysis,
  FixInput,
  Proposal,
  Proposer,
  ProposeInput,
  Runner,
  RunOutcome,
  RunRequest,
  Scorer,
  ScoreRequest,
} from "../../src/engine/ports.ts";
import { ProposerExhausted } from "../../src/engine/proposer-exhausted.ts";
import type { ScoreResult } from "../../src/core/score-result.ts";
import { runResearchLoop } from "../../src/engine/research-loop.ts";
import { FileStore } from "../../src/local/file-store.ts";
import { GitForge } from "../../src/local/git-forge.ts";
import { tempRepo } from "../helpers/temp-repo.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

// One setting per line, as in golf_mini: changes to adjacent settings must merge.
const SCRIPT = "LR = 1\nDIM = 2\nLAYERS = 3\n";

/** The model quality a script stands for: lower LR and higher DIM are better. */
function trueBpb(script: string): number {
  const value = (name: string) => Number(new RegExp(`${name} = (\\d+)`).exec(script)?.[1] ?? 0);
  return 3 + value("LR") * 0.1 - value("DIM") * 0.05;
}

/**
 * Trains a commit by its script: "boom" crashes; "CLAIM = n" makes the log claim 1.n whatever the model is
 * (a forged score line), which only caddie's own score can catch.
 */
class ScriptedRunner implements Runner {
  runs: string[] = [];
  constructor(
    private readonly forge: GitForge,
    private readonly onRun: () => void = () => undefined,
  ) {}
  async run(request: RunRequest): Promise<RunOutcome> {
    this.runs.push(request.id);
    this.onRun();
    const script = (await this.forge.readFile(request.commit, "train.py")) ?? "";
    const claim = /CLAIM = (\d+)/.exec(script);
    const bpb = claim ? Number(`1.${claim[1]}`) : trueBpb(script);
    const logText = script.includes("boom")
      ? "Traceback (most recent call last):\nNameError: name 'boom' is not defined\n"
      : `Total submission size int8+zlib: ${Buffer.byteLength(script) + 1000} bytes\nfinal_int8_zlib_roundtrip_exact val_loss:2.00000000 val_bpb:${bpb.toFixed(8)}\n`;
    return {
      exitCode: script.includes("boom") ? 1 : 0,
      timedOut: false,
      seconds: 10,
      logText,
      logPath: "run.log",
      modelBytes: script.includes("boom") ? null : 1000,
    };
  }
}

/** caddie's score stand-in for the loop's rules: the script's true quality, whatever its log claims. */
class ScriptedScorer implements Scorer {
  requests: string[] = [];
  constructor(
    private readonly forge: GitForge,
    private readonly fail: (script: string) => string | null = () => null,
    /** How much harder caddie's held-out slice is than the run's own validation slice. */
    private readonly heldoutShift = 0,
  ) {}
  async score(request: ScoreRequest): Promise<ScoreResult> {
    this.requests.push(request.id);
    const script = (await this.forge.readFile(request.commit, "train.py")) ?? "";
    const problem = this.fail(script);
    if (problem !== null) throw new Error(problem);
    return {
      status: "verified",
      reason: null,
      valBpb: trueBpb(script) + this.heldoutShift,
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

class ScriptedProposer implements Proposer {
  readonly name = "scripted";
  calls: string[] = [];
  /** What it throws once its changes run out. */
  outOfIdeas: Error = new ProposerExhausted("the search space is exhausted");
  constructor(
    private readonly changes: ((script: string) => { description: string; script: string } | null)[],
    readonly prefersLatest = false,
    private readonly fixes: ((script: string) => string | null)[] = [],
  ) {}
  async propose(input: ProposeInput): Promise<Proposal> {
    const script = input.files["train.py"] ?? "";
    const next = this.changes.shift()?.(script);
    if (!next) throw this.outOfIdeas;
    this.calls.push(next.description);
    return {
      description: next.description,
      direction: next.description.split(" ")[0] ?? null,
      edits: [{ path: "train.py", content: next.script }],
      reasoning: { hypothesis: "h", evidence: "e", risk: "r" },
    };
  }
  async analyse(input: AnalyseInput): Promise<Analysis> {
    return { result: String(input.summary.val_bpb), vsExpected: "-", why: input.reason, lesson: "-" };
  }
  async fix(input: FixInput): Promise<Proposal | null> {
    const fixed = this.fixes.shift()?.(input.files["train.py"] ?? "");
    return fixed
      ? {
          description: "fix",
          direction: null,
          edits: [{ path: "train.py", content: fixed }],
          reasoning: { hypothesis: "h", evidence: input.error, risk: "r" },
        }
      : null;
  }
}

async function setup() {
  const repo = await tempRepo({ "train.py": SCRIPT });
  cleanups.push(repo.cleanup);
  const forge = await GitForge.open(repo.dir, "t");
  const stateDir = await mkdtemp(path.join(tmpdir(), "caddie-state-"));
  cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
  // Two baselines (the fewest that measure noise); the scripted runner is deterministic, so sigma is 0.
  const config = parseConfig({
    target: "train.py",
    thresholds: { min_delta: 0.01, baseline_runs: 2, rerun_incumbent_every: 0 },
    tiers: { proxy: { env: { ITERATIONS: "60" } } },
  });
  return { forge, store: new FileStore(stateDir), config, scorer: new ScriptedScorer(forge) };
}

const set = (name: string, value: number) => (script: string) => ({
  description: `${name} ${value}`,
  script: script.replace(new RegExp(`${name} = \\d+`), `${name} = ${value}`),
});

describe("runResearchLoop", () => {
  it("stops as exhausted on the proposer's typed error, and fails on any other, whatever its message", async () => {
    const { forge, store, config, scorer } = await setup();
    let now = 0;
    const runner = new ScriptedRunner(forge, () => (now += 60_000));
    const deps = { forge, runner, scorer, store, clock: { now: () => now }, config, program: "" };
    const summary = await runResearchLoop(
      { ...deps, proposer: new ScriptedProposer([set("LR", 0)], true) },
      { maxExperiments: 10, maxHours: 10 },
    );
    expect(summary.stopReason).toBe("exhausted");
    const limited = new ScriptedProposer([], true);
    limited.outOfIdeas = new Error("API rate limit exhausted; retry later");
    await expect(
      runResearchLoop({ ...deps, proposer: limited }, { maxExperiments: 10, maxHours: 10 }),
    ).rejects.toThrow("rate limit exhausted");
  });

  it("stops starting runs once max-hours has passed", async () => {
    const { forge, store, config, scorer } = await setup();
    let now = 0;
    const runner = new ScriptedRunner(forge, () => (now += 20 * 60_000)); // each run takes 20 minutes
    const proposer = new ScriptedProposer([set("LR", 0), set("DIM", 3), set("DIM", 4), set("DIM", 5)], true);
    const summary = await runResearchLoop(
      { forge, runner, scorer, store, proposer, clock: { now: () => now }, config, program: "" },
      { maxExperiments: 10, maxHours: 1 },
    );
    expect(summary.stopReason).toBe("max-hours");
    expect(runner.runs).toEqual(["exp-000", "exp-000", "exp-001"]);
  });

  it("proposes ahead while a run trains and carries the change onto the new head after a keep", async () => {
    const { forge, store, config, scorer } = await setup();
    const runner = new ScriptedRunner(forge);
    // Not prefersLatest: the second proposal is made from the old head while exp-001 trains.
    const proposer = new ScriptedProposer([set("LR", 0), set("DIM", 3)]);
    await runResearchLoop(
      { forge, runner, scorer, store, proposer, clock: { now: () => 0 }, config, program: "" },
      { maxExperiments: 2, maxHours: null },
    );
    const rows = await store.readLedger();
    expect(rows.map((r) => [r.experiment, r.status])).toEqual([
      ["exp-000", "keep"],
      ["exp-000", "keep"],
      ["exp-001", "keep"],
      ["exp-002", "keep"],
    ]);
    // exp-002 was proposed on the baseline but trained on top of exp-001: both changes are in it.
    expect(await forge.readFile(rows[3]?.commit ?? "", "train.py")).toBe("LR = 0\nDIM = 3\nLAYERS = 3\n");
    expect(await forge.lineHead()).toBe(rows[3]?.commit);
  });

  it("proposes again when the prepared change no longer applies on the new head", async () => {
    const { forge, store, config, scorer } = await setup();
    const runner = new ScriptedRunner(forge);
    const proposer = new ScriptedProposer([set("LR", 0), set("LR", 2), set("DIM", 3)]);
    await runResearchLoop(
      { forge, runner, scorer, store, proposer, clock: { now: () => 0 }, config, program: "" },
      { maxExperiments: 2, maxHours: null },
    );
    expect(proposer.calls).toEqual(["LR 0", "LR 2", "DIM 3"]);
    const rows = await store.readLedger();
    expect(rows.at(-1)?.description).toBe("DIM 3");
    expect(await forge.readFile(rows.at(-1)?.commit ?? "", "train.py")).toBe("LR = 0\nDIM = 3\nLAYERS = 3\n");
  });

  it("gives a crash one fix attempt, recorded as its own experiment", async () => {
    const { forge, store, config, scorer } = await setup();
    const runner = new ScriptedRunner(forge);
    const breakIt = (s: string) => ({
      description: "LR 0 boom",
      script: s.replace("LR = 1", "LR = 0\nboom"),
    });
    const proposer = new ScriptedProposer([breakIt], true, [(s) => s.replace("\nboom", "")]);
    await runResearchLoop(
      { forge, runner, scorer, store, proposer, clock: { now: () => 0 }, config, program: "" },
      { maxExperiments: 1, maxHours: null },
    );
    const rows = await store.readLedger();
    expect(rows.map((r) => [r.experiment, r.status])).toEqual([
      ["exp-000", "keep"],
      ["exp-000", "keep"],
      ["exp-001", "crash"],
      ["exp-001-fix", "keep"],
    ]);
    // A crash is not scored: nothing to keep.
    expect(scorer.requests).toEqual(["exp-000", "exp-000", "exp-001-fix"]);
    expect(await forge.readFile(rows[3]?.commit ?? "", "train.py")).toBe("LR = 0\nDIM = 2\nLAYERS = 3\n");
  });

  it("refuses a proposal that edits a file outside the allow-list", async () => {
    const { forge, store, config, scorer } = await setup();
    const runner = new ScriptedRunner(forge);
    const proposer = new ScriptedProposer([() => ({ description: "x", script: "" })]);
    proposer.propose = async () => ({
      description: "ci",
      direction: null,
      edits: [{ path: ".github/workflows/ci.yml", content: "x" }],
      reasoning: { hypothesis: "", evidence: "", risk: "" },
    });
    await expect(
      runResearchLoop(
        { forge, runner, scorer, store, proposer, clock: { now: () => 0 }, config, program: "" },
        { maxExperiments: 1, maxHours: null },
      ),
    ).rejects.toThrow(/refused edit to '.github\/workflows\/ci.yml'/);
    expect(runner.runs).toEqual(["exp-000", "exp-000"]);
  });

  it("stops at a crashed baseline with a hint naming what it missed, and runs the baseline again next time", async () => {
    const { forge, store, config, scorer } = await setup();
    let dataThere = false;
    const runner = new ScriptedRunner(forge);
    const real = runner.run.bind(runner);
    runner.run = async (request) =>
      dataThere
        ? real(request)
        : {
            exitCode: 1,
            timedOut: false,
            seconds: 3,
            logText:
              'Traceback (most recent call last):\nRuntimeError: NOT_FOUND: "./data/tokenizers/fineweb_1024_bpe.model": No such file or directory\n',
            logPath: "/runs/exp-000/run.log",
            modelBytes: null,
          };
    const notices: string[] = [];
    const first = await runResearchLoop(
      {
        forge,
        runner,
        scorer,
        store,
        proposer: new ScriptedProposer([set("LR", 0)], true),
        clock: { now: () => 0 },
        config,
        program: "",
        events: { notice: (t) => notices.push(t) },
      },
      { maxExperiments: 3, maxHours: null },
    );
    expect(first.stopReason).toBe("baseline-crashed");
    expect(first.experiments).toBe(0);
    expect(notices.join("\n")).toContain(
      "hint: the run could not find ./data/tokenizers/fineweb_1024_bpe.model",
    );
    expect(notices.join("\n")).toContain("log: /runs/exp-000/run.log");
    expect((await store.readLedger()).map((r) => [r.experiment, r.status])).toEqual([["exp-000", "crash"]]);

    // The crashed row is no baseline: the next start measures it again before any experiment.
    dataThere = true;
    const second = await runResearchLoop(
      {
        forge,
        runner,
        scorer,
        store,
        proposer: new ScriptedProposer([set("LR", 0)], true),
        clock: { now: () => 0 },
        config,
        program: "",
      },
      { maxExperiments: 1, maxHours: null },
    );
    expect(second.stopReason).toBe("max-experiments");
    expect(runner.runs).toEqual(["exp-000", "exp-000", "exp-001"]);
    expect((await store.readLedger()).map((r) => [r.experiment, r.seed, r.status])).toEqual([
      ["exp-000", 1337, "keep"],
      ["exp-000", 1338, "keep"],
      ["exp-001", 1337, "keep"],
    ]);
  });

  it("decides on caddie's score, not the log's: a forged claim is flagged and discarded", async () => {
    const { forge, store, config, scorer } = await setup();
    const runner = new ScriptedRunner(forge);
    // LR 2 makes the model worse; the log claims 1.01 all the same.
    const forged = (s: string) => ({
      description: "LR 2 forged",
      script: `${s.replace("LR = 1", "LR = 2")}CLAIM = 01\n`,
    });
    const proposer = new ScriptedProposer([forged], true);
    await runResearchLoop(
      { forge, runner, scorer, store, proposer, clock: { now: () => 0 }, config, program: "" },
      { maxExperiments: 1, maxHours: null },
    );
    const row = (await store.readLedger()).at(-1);
    expect(row?.status).toBe("discard");
    expect(row?.val_bpb).toBeCloseTo(3.1, 8);
    expect(row?.claimed_val_bpb).toBeCloseTo(1.01, 8);
    expect(row?.flags.map((f) => f.code)).toEqual(["claim_mismatch"]);
    expect(row?.flags[0]?.message).toContain("the log claims val_bpb 1.0100, caddie measured 3.1000");
  });

  it("holds each claim to the baseline's own gap: honest runs on a harder held-out slice are kept, a forged claim is not", async () => {
    const { forge, store, config } = await setup();
    const runner = new ScriptedRunner(forge);
    // The held-out slice scores 0.17 worse than the run's own slice for every model (measured so on an
    // H100 with the root script and a small validation sample): honest claims sit 0.17 below caddie's.
    const scorer = new ScriptedScorer(forge, () => null, 0.17);
    const forged = (s: string) => ({
      description: "LR 2 forged",
      script: `${s.replace("LR = 1", "LR = 2")}CLAIM = 01\n`,
    });
    const proposer = new ScriptedProposer([set("DIM", 3), forged], true);
    await runResearchLoop(
      { forge, runner, scorer, store, proposer, clock: { now: () => 0 }, config, program: "" },
      { maxExperiments: 2, maxHours: null },
    );
    const rows = await store.readLedger();
    expect(rows.map((r) => [r.experiment, r.status, r.flags.map((f) => f.code).join(",")])).toEqual([
      ["exp-000", "keep", ""],
      ["exp-000", "keep", ""],
      ["exp-001", "keep", ""],
      ["exp-002", "discard", "claim_mismatch"],
    ]);
    expect(rows[3]?.flags[0]?.message).toContain("where the unchanged script's is -0.1700");
  });

  it("records a run caddie could not score as unverified, never kept, and goes on", async () => {
    const { forge, store, config } = await setup();
    const runner = new ScriptedRunner(forge);
    const scorer = new ScriptedScorer(forge, (s) =>
      s.includes("DIM = 3") ? "the model file cannot be loaded" : null,
    );
    const proposer = new ScriptedProposer([set("DIM", 3), set("DIM", 4)], true);
    await runResearchLoop(
      { forge, runner, scorer, store, proposer, clock: { now: () => 0 }, config, program: "" },
      { maxExperiments: 2, maxHours: null },
    );
    const rows = await store.readLedger();
    expect(rows.map((r) => [r.experiment, r.status, r.flags.map((f) => f.code).join(",")])).toEqual([
      ["exp-000", "keep", ""],
      ["exp-000", "keep", ""],
      ["exp-001", "discard", "unverified"],
      ["exp-002", "keep", ""],
    ]);
    expect(rows[2]?.flags[0]?.message).toContain("the model file cannot be loaded");
    expect(rows[2]?.val_bpb).toBeNull();
    expect(scorer.requests).toEqual(["exp-000", "exp-000", "exp-001", "exp-002"]);
  });

  it("stops at the baseline without a scorer: without caddie's own number there is no bar", async () => {
    const { forge, store, config } = await setup();
    const runner = new ScriptedRunner(forge);
    const proposer = new ScriptedProposer([set("DIM", 3)], true);
    await runResearchLoop(
      { forge, runner, store, proposer, clock: { now: () => 0 }, config, program: "" },
      { maxExperiments: 1, maxHours: null },
    );
    const rows = await store.readLedger();
    expect(rows.map((r) => [r.experiment, r.status])).toEqual([["exp-000", "crash"]]);
    expect(runner.runs).toEqual(["exp-000"]);
  });
});
