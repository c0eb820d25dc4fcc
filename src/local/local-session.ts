/**
 * Wires the research loop to this machine: git forge, subprocess runner, file store, the chosen
 * proposer and the progress view. Shared by `caddie run` and `caddie demo`.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { chooseProposer, type AgentChoice } from "../agent/choose-proposer.ts";
import type { CaddieConfig } from "../core/config.ts";
import { runResearchLoop, type LoopSummary } from "../engine/research-loop.ts";
import { courseVariables, expandVariables } from "./caddie-paths.ts";
import { FileStore } from "./file-store.ts";
import { GitForge } from "./git-forge.ts";
import { outsideContext } from "./outside-context.ts";
import { progressView } from "./progress-view.ts";
import { SubprocessRunner } from "./subprocess-runner.ts";
import { writeScorecard, type ScorecardFiles } from "./write-scorecard.ts";
import type { CommandIO } from "./commands/command.ts";

export interface LocalSessionOptions {
  repo: string;
  tag: string;
  config: CaddieConfig;
  agent: AgentChoice;
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

export async function runLocalSession(options: LocalSessionOptions): Promise<LocalSessionResult> {
  const { io, config } = options;
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
  const proposer = chooseProposer(config, io.env, options.agent);
  const variables = courseVariables(io.env);
  const runner = new SubprocessRunner({
    runsDir: path.join(stateDir, "runs"),
    exportTree: (commit, dir) => forge.exportTree(commit, dir),
    command: config.tiers.proxy.command,
    env: config.tiers.proxy.env,
    variables,
    timeoutMs: (options.timeoutMinutes ?? config.tiers.proxy.timeoutMinutes) * 60_000,
    codeFiles: [config.target],
    modelFile: config.model,
    links: { from: root, names: ["data"] },
  });
  const capValue = Number(
    expandVariables(config.tiers.proxy.env.MAX_WALLCLOCK_SECONDS ?? "", { ...io.env, ...variables }),
  );
  const view = progressView({
    write: io.stdout,
    isTTY:
      io.env.CADDIE_PROGRESS === "tty" ||
      (io.env.CADDIE_PROGRESS !== "plain" && process.stdout.isTTY === true),
    capSeconds: Number.isFinite(capValue) && capValue > 0 ? capValue : null,
  });
  io.stdout(
    `research line autoresearch/${options.tag} in ${root}\nproposer: ${proposer.name}; state: ${stateDir}\n`,
  );
  const summary = await runResearchLoop(
    {
      forge,
      runner,
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
    },
  );
  const scorecard = await writeScorecard(store, {
    title: options.title,
    tier: "proxy",
    wallSeconds: summary.wallSeconds,
    trainSeconds: summary.trainSeconds,
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
