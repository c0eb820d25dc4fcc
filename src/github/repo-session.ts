/**
 * Everything one delivery needs to act on one repository: the client, the config from the default
 * branch, the state store and forge, and the engine's dependencies. Caches that outlive a delivery
 * (state snapshot, config, last results-issue body) live in the repository's runtime entry.
 */
import type { Logger } from "probot";
import type { CaddieConfig } from "../core/config.ts";
import type { LoopDeps } from "../engine/loop-deps.ts";
import type { Clock, Proposer } from "../engine/ports.ts";
import type { GitHubClient, RepoRef } from "./github-client.ts";
import { GitHubForge } from "./github-forge.ts";
import { GitHubStore } from "./github-store.ts";
import { KeyedLock } from "./keyed-lock.ts";
import { loadRepoConfig, type ConfigCache, type RepoConfig } from "./load-repo-config.ts";
import { newStateCache, StateBranch, type StateCache } from "./state-branch.ts";

export interface RepoRuntime {
  state: StateCache;
  config: ConfigCache;
  /** The results-issue body last written or read, to skip unchanged writes. */
  issueBody: string | null;
}

/** Shared by every delivery the app handles. */
export interface AppRuntime {
  env: Record<string, string | undefined>;
  proposerFor: (config: CaddieConfig) => Proposer;
  clock: Clock;
  lock: KeyedLock;
  runtimes: Map<string, RepoRuntime>;
  /** The App's own login (`<slug>[bot]`), for finding what it wrote. */
  botLogin: () => Promise<string>;
  /** Pull requests, issues and comments the bot writes get this label prefix. */
  label: { experiment: string; results: string };
  /** Called once a decision is recorded on caddie/state (benchmarks measure webhook-to-decision with it). */
  onDecision?: (experiment: string, verdict: string) => void;
}

export interface RepoSession {
  gh: GitHubClient;
  repo: RepoRef;
  log: Logger;
  defaultBranch: string;
  runtime: RepoRuntime;
  app: AppRuntime;
}

export interface ReadySession extends RepoSession {
  config: CaddieConfig;
  program: string;
  store: GitHubStore;
  forge: GitHubForge;
  deps: LoopDeps;
}

export function newAppRuntime(
  options: Partial<AppRuntime> & Pick<AppRuntime, "proposerFor" | "botLogin">,
): AppRuntime {
  return {
    env: options.env ?? {},
    clock: options.clock ?? { now: () => Date.now() },
    lock: options.lock ?? new KeyedLock(),
    runtimes: options.runtimes ?? new Map(),
    label: options.label ?? { experiment: "caddie:experiment", results: "caddie:results" },
    proposerFor: options.proposerFor,
    botLogin: options.botLogin,
    ...(options.onDecision ? { onDecision: options.onDecision } : {}),
  };
}

export function repoSession(
  app: AppRuntime,
  input: { gh: GitHubClient; repo: RepoRef; log: Logger; defaultBranch: string },
): RepoSession {
  const key = `${input.repo.owner}/${input.repo.repo}`.toLowerCase();
  let runtime = app.runtimes.get(key);
  if (!runtime) {
    runtime = { state: newStateCache(), config: { entry: null }, issueBody: null };
    app.runtimes.set(key, runtime);
  }
  return { ...input, runtime, app };
}

export function stateBranch(session: RepoSession): StateBranch {
  return new StateBranch(session.gh, session.repo, session.runtime.state);
}

export async function readConfig(session: RepoSession): Promise<RepoConfig> {
  return loadRepoConfig(session.gh, session.repo, session.defaultBranch, session.runtime.config);
}

/** Opens the store and forge for a repository whose config loaded. */
export async function ready(
  session: RepoSession,
  config: CaddieConfig,
  program: string,
): Promise<ReadySession> {
  const store = await GitHubStore.open(stateBranch(session));
  const forge = new GitHubForge(session.gh, session.repo, {
    researchLine: config.researchLine,
    allow: config.allow,
    defaultBranch: session.defaultBranch,
    deferClose: true,
  });
  const deps: LoopDeps = {
    forge,
    store,
    config,
    program,
    proposer: session.app.proposerFor(config),
    clock: session.app.clock,
    // Training happens in the user's GitHub Actions, never in the bot's process.
    runner: { run: () => Promise.reject(new Error("on GitHub, training runs in the experiment workflow")) },
  };
  return { ...session, config, program, store, forge, deps };
}
