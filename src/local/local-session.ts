/**
 * Wires the research loop to this machine: git forge, subprocess runner, file store, the chosen
 * proposer and the progress view. Shared by `caddie run` and `caddie demo`.
 */
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { chooseProposer, type AgentChoice } from "../agent/choose-proposer.ts";
import type { CaddieConfig } from "../core/config.ts";
import { budgetKind } from "../core/tier-budget.ts";
import { UserError } from "../core/user-error.ts";
import type { Proposer } from "../engine/ports.ts";
import { runResearchLoop, type LoopSummary } from "../engine/research-loop.ts";
import { caddieRoot, courseVariables, expandVariables } from "./caddie-paths.ts";
import { FileStore } from "./file-store.ts";
import { GitForge } from "./git-forge.ts";
import { LocalScorer } from "./local-scorer.ts";
import { outsideContext } from "./outside-context.ts";
import { progressView } from "./progress-view.ts";
import type { DataSource } from "./data-view.ts";
import { localSlots } from "./local-slots.ts";
import { SubprocessRunner } from "./subprocess-runner.ts";
import { writeScorecard, type ScorecardFiles } from "./write-scorecard.ts";
import type { CommandIO } from "./commands/command.ts";

export interface LocalSessionOptions {
  repo: string;
  tag: string;
  config: CaddieConfig;
  agent: AgentChoice;
  /** A proposer to use instead of the one `agent` chooses (an embedding program, a test's script). */
  proposer?: Proposer;
  maxExperiments: number;
  maxHours: number | null;
  seed: number;
  /** Overrides tiers.proxy.timeout_minutes. */
  timeoutMinutes?: number;
  io: CommandIO;
  title: string;
}

export interface LocalSessionResult {
  summary: LoopSummary;
  stateDir: string;
  store: FileStore;
  scorecard: ScorecardFiles;
  proposer: string;
  lineBranch: string;
}

/**
 * The data folders merged into each run folder: the config's `data.paths` of the repository, and
 * caddie's own course data when the tier's command or env names `${CADDIE_DATA}` (golf_mini).
 */
function dataSources(
  root: string,
  config: CaddieConfig,
  variables: Record<string, string>,
): (DataSource & { variable?: string })[] {
  const sources: (DataSource & { variable?: string })[] = config.data.paths.map((p) => ({
    from: path.join(root, p),
    to: p,
  }));
  const tier = config.tiers.proxy;
  const named = [...tier.command, ...Object.values(tier.env)].some((v) => v.includes("${CADDIE_DATA}"));
  if (named && variables.CADDIE_DATA)
    sources.push({ from: path.resolve(variables.CADDIE_DATA), to: "caddie_data", variable: "CADDIE_DATA" });
  return sources;
}

/**
 * The repository (its .git, caddie's state, the user's files) is hidden from runs; when the Python that
 * trains lives inside it (a venv in the repository), only .git and .caddie are.
 */
function hiddenFromRuns(root: string, python: string): string[] {
  const inside = (p: string) => !path.relative(root, p).startsWith("..") && path.isAbsolute(p);
  return inside(python) ? [path.join(root, ".git"), path.join(root, ".caddie")] : [root];
}

/**
 * One compile cache (TorchInductor, Triton, HOME) per course and machine, reused by every run: only the
 * first run here compiles cold. Per machine because a repository on shared storage may train on several
 * (other GPUs, other drivers); per course because runs of agent-written code write it (docs/SECURITY.md).
 */
export function compileCacheDir(root: string): string {
  return path.join(root, ".caddie", "cache", hostname().replace(/[^A-Za-z0-9._-]/g, "_") || "host");
}

export async function runLocalSession(options: LocalSessionOptions): Promise<LocalSessionResult> {
  const { io, config } = options;
  // Before anything is created: a GPU that is not here, or more slots than GPUs, stops with one message.
  const plan = await localSlots(config.tiers.proxy, io.env);
  for (const warning of plan.warnings) io.stderr(`warning: ${warning}\n`);
  const forge = await GitForge.open(options.repo, options.tag, io.env);
  const root = forge.git.cwd;
  await forge.exclude("/.caddie/");
  const stateDir = path.join(root, ".caddie", options.tag);
  const store = new FileStore(stateDir);
  const programFile = path.join(root, config.program);
  const program = await readFile(programFile, "utf8").catch(() => {
    io.stderr(`note: no ${config.program} in ${root}; the agent gets no research brief\n`);
    return "";
  });
  const proposer = options.proposer ?? chooseProposer(config, io.env, options.agent);
  const variables = courseVariables(io.env);
  const capValue = Number(
    expandVariables(config.tiers.proxy.env.MAX_WALLCLOCK_SECONDS ?? "", { ...io.env, ...variables }),
  );
  const runner = new SubprocessRunner({
    runsDir: path.join(stateDir, "runs"),
    exportTree: (commit, dir) => forge.exportTree(commit, dir),
    command: config.tiers.proxy.command,
    env: config.tiers.proxy.env,
    variables,
    callerEnv: io.env,
    timeoutMs: (options.timeoutMinutes ?? config.tiers.proxy.timeoutMinutes) * 60_000,
    codeFiles: [config.target],
    modelFile: config.model,
    data: {
      sources: dataSources(root, config, variables),
      valPattern: config.data.valPattern,
      courseDir: path.join(root, ".caddie", "course-data"),
      heldoutFraction: config.scoring.heldoutFraction,
    },
    sandbox: {
      mode: config.tiers.proxy.sandbox,
      network: config.tiers.proxy.network,
      hide: hiddenFromRuns(root, variables.PYTHON ?? ""),
      ...(config.tiers.proxy.compileCache ? { cacheDir: compileCacheDir(root) } : {}),
    },
    budget: {
      budgetSeconds:
        config.tiers.proxy.budgetSeconds ?? (Number.isFinite(capValue) && capValue > 0 ? capValue : null),
      overheadSeconds: config.tiers.proxy.overheadSeconds,
    },
    guard: store.guard,
    drop: config.retention.drop,
  });
  await store.watch();
  const diskWarning = await runner.checkDisk(options.maxExperiments + config.thresholds.baselineRuns);
  if (diskWarning) io.stderr(`warning: ${diskWarning}\n`);
  const scorer = localScorer({ root, stateDir, config, variables, io, forge, runner });
  const view = progressView({
    write: io.stdout,
    isTTY:
      io.env.CADDIE_PROGRESS === "tty" ||
      (io.env.CADDIE_PROGRESS !== "plain" && process.stdout.isTTY === true),
    // Under a step budget the bar follows the steps.
    capSeconds:
      budgetKind(config.tiers.proxy.env) === "seconds" && Number.isFinite(capValue) && capValue > 0
        ? capValue
        : null,
  });
  io.stdout(
    `research line autoresearch/${options.tag} in ${root}\nproposer: ${proposer.name}; state: ${stateDir}\n`,
  );
  if (plan.slots.length > 1)
    io.stdout(
      `slots: ${plan.slots.length} (${plan.slots.map((s) => s.label).join("; ")}), one experiment each\n`,
    );
  const summary = await runResearchLoop(
    {
      forge,
      runner,
      scorer,
      store,
      proposer,
      clock: { now: () => Date.now() },
      config,
      program,
      events: view,
      // The sweep reads none of it; Claude reads competitor scores and graded research when synced.
      extraContext: proposer.name === "sweep" ? [] : await outsideContext(path.join(root, ".caddie")),
    },
    {
      maxExperiments: options.maxExperiments,
      maxHours: options.maxHours,
      signal: io.signal,
      seed: options.seed,
      slots: plan.slots,
      overlap: config.tiers.proxy.overlap,
    },
  );
  const scorecard = await writeScorecard(store, {
    title: options.title,
    tier: "proxy",
    wallSeconds: summary.wallSeconds,
    trainSeconds: summary.trainSeconds,
    time: summary.time,
    config,
  });
  return {
    summary,
    stateDir,
    store,
    scorecard,
    proposer: proposer.name,
    lineBranch: `autoresearch/${options.tag}`,
  };
}

/**
 * caddie's own scorer for this repository: the held-out shard the runner split from the validation folder
 * `scoring.validation` names (the runs only ever see their own slice), the tokenizer, and the tier's
 * settings the model needs to rebuild itself.
 */
function localScorer(input: {
  root: string;
  stateDir: string;
  config: CaddieConfig;
  variables: Record<string, string>;
  io: LocalSessionOptions["io"];
  forge: GitForge;
  runner: SubprocessRunner;
}): LocalScorer {
  const { root, config, variables, io } = input;
  const scoring = config.scoring;
  const vars = { ...io.env, ...variables };
  const folder = path.resolve(root, expandVariables(scoring.validation, vars));
  const heldout = async (): Promise<string> => {
    const { heldOut } = await input.runner.prepareCourseData();
    const chosen =
      heldOut.find((h) => path.resolve(h.valFolder) === folder) ??
      (heldOut.length === 1 ? heldOut[0] : undefined);
    if (!chosen)
      throw new UserError(
        `no held-out validation shard for scoring.validation '${scoring.validation}' (${folder}); validation folders found: ${heldOut.map((h) => h.valFolder).join(", ") || "none"}`,
      );
    return chosen.file;
  };
  const tokenizer = scoring.tokenizer.startsWith("sentencepiece:")
    ? `sentencepiece:${path.resolve(root, expandVariables(scoring.tokenizer.slice("sentencepiece:".length), vars))}`
    : scoring.tokenizer;
  const env = Object.fromEntries(
    Object.entries(config.tiers.proxy.env).map(([k, v]) => [k, expandVariables(v, vars)]),
  );
  return new LocalScorer({
    python: variables.PYTHON ?? "python3",
    pythonDir: path.join(caddieRoot, "python"),
    exportTree: (commit, dir) => input.forge.exportTree(commit, dir),
    workDir: path.join(root, ".caddie", "scoring"),
    heldout,
    tokenizer,
    script: config.target,
    device: scoring.device,
    timeoutSeconds: scoring.timeoutSeconds,
    maxTokens: scoring.maxTokens,
    env,
    ...(io.env.CUDA_VISIBLE_DEVICES !== undefined ? { visibleDevices: io.env.CUDA_VISIBLE_DEVICES } : {}),
    // The model host must not see caddie's state or the repository's own history.
    hide: [input.stateDir, path.join(root, ".git")],
  });
}
