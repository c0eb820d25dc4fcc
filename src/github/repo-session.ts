/**
 * Everything one delivery needs to act on one repository: the client, the config from the default
 * branch, the state store and forge, and the engine's dependencies. What outlives a delivery lives in the
 * repository's one runtime entry: caches (state snapshot, config, last results-issue body) and the
 * coordination of its deliveries (the batch of decisions, the work in flight, the queued refill tick).
 */
import type { Logger } from "probot";
import type { CaddieConfig } from "../core/config.ts";
import type { LoopDeps } from "../engine/loop-deps.ts";
import type { Clock, Proposer } from "../engine/ports.ts";
import type { GitHubClient, RepoRef } from "./github-client.ts";
import { GitHubForge } from "./github-forge.ts";
import { GitHubStore } from "./github-store.ts";
import type { Batcher } from "./batcher.ts";
import type { Owed } from "./bot-state.ts";
import { IdleGate } from "./idle-gate.ts";
import { KeyedLock } from "./keyed-lock.ts";
import { loadRepoConfig, type ConfigCache, type RepoConfig } from "./load-repo-config.ts";
import type { Decided, Prepared } from "./run-types.ts";
import { newStateCache, StateBranch, type StateCache } from "./state-branch.ts";
import { noBlindRetries, type WriteOnceOptions } from "./write-once.ts";

/** One repository's entry, shared by all deliveries for it in this process. */
export interface RepoRuntime {
  /** `owner/repo`, lower-cased: the key of its lock. */
  key: string;
  state: StateCache;
  config: ConfigCache;
  /** The results-issue body last written or read, to skip unchanged writes. */
  issueBody: string | null;
  /** Finished runs being prepared or decided now: the refill tick waits until none are. */
  busy: IdleGate;
  /** Prepared runs waiting for the lock, decided together (created on first use). */
  decisions: Batcher<{ session: ReadySession; prepared: Prepared }, Decided> | null;
  /** The refill tick queued for after the decisions in flight (one for however many decisions land). */
  refill: Promise<void> | null;
  /** What the webhook path published outside the lock, by experiment: the next tick records it. */
  published: Map<string, { run: string; left: Owed | null }>;
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
  /** Called after each handled delivery with its outcome (benchmarks, logs, tests). */
  onOutcome?: (event: string, outcome: string) => void;
  /** How one-shot writes look before writing again after an uncertain outcome (write-once.ts). */
  writes: WriteOnceOptions;
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
    writes: options.writes ?? {},
    proposerFor: options.proposerFor,
    botLogin: options.botLogin,
    ...(options.onDecision ? { onDecision: options.onDecision } : {}),
    ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
  };
}

export function repoSession(
  app: AppRuntime,
  input: { gh: GitHubClient; repo: RepoRef; log: Logger; defaultBranch: string },
): RepoSession {
  const key = `${input.repo.owner}/${input.repo.repo}`.toLowerCase();
  noBlindRetries(input.gh, app.writes.requestTimeoutMs);
  let runtime = app.runtimes.get(key);
  if (!runtime) {
    runtime = {
      key,
      state: newStateCache(),
      config: { entry: null },
      issueBody: null,
      busy: new IdleGate(),
      decisions: null,
      refill: null,
      published: new Map(),
    };
    app.runtimes.set(key, runtime);
  }
  return { ...input, runtime, app };
}

/** Runs `work` holding the repository's lock: decisions and state writes of one repository never interleave. */
export function locked<T>(session: RepoSession, work: () => Promise<T>): Promise<T> {
  return session.app.lock.run(session.runtime.key, work);
}

/** Logs a handled delivery's outcome and tells the App's observer. */
export function handled(session: RepoSession, event: string, outcome: string): void {
  session.log.info({ event, outcome }, "handled");
  session.app.onOutcome?.(event, outcome);
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
    writes: session.app.writes,
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

/** The repository fields every webhook payload for a repository carries. */
export interface RepoPayload {
  repository: { name: string; owner: { login: string }; default_branch?: string };
}

/** The session for a webhook delivery: its installation client and log, the repository it names. */
export function sessionFor(
  app: AppRuntime,
  context: { octokit: GitHubClient; log: Logger; payload: RepoPayload },
): RepoSession {
  const { repository } = context.payload;
  return repoSession(app, {
    gh: context.octokit,
    repo: { owner: repository.owner.login, repo: repository.name },
    log: context.log,
    defaultBranch: repository.default_branch ?? "main",
  });
}
