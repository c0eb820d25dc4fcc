/**
 * The ports the research loop talks through. The local CLI and the GitHub App each provide adapters;
 * the loop itself (src/engine) holds no I/O of its own.
 */
import type { Flag } from "../core/flags.ts";
import type { LedgerRow } from "../core/ledger.ts";
import type { RunLogSummary } from "../core/parse-run-log.ts";
import type { RunTiming } from "../core/run-timing.ts";
import type { ScoreResult } from "../core/score-result.ts";

/** A whole-file write to an allow-listed path. */
export interface FileEdit {
  path: string;
  content: string;
}

/** The hypothesis written before an experiment (the REASONING block). */
export interface Reasoning {
  hypothesis: string;
  evidence: string;
  risk: string;
}

/** The lesson written after an experiment (the ANALYSIS block). */
export interface Analysis {
  result: string;
  vsExpected: string;
  why: string;
  lesson: string;
}

/** What a proposer wants to try next. */
export interface Proposal {
  /** One line, shown in the ledger and as the commit subject. */
  description: string;
  /** A short tag grouping experiments that push the same way ("MODEL_DIM+", "optimizer"); used for dead ends. */
  direction: string | null;
  reasoning: Reasoning;
  edits: FileEdit[];
  /** The hyperparameter settings this proposal amounts to, when the proposer knows them (sweeps never repeat one). */
  config?: Record<string, string>;
}

/** Everything a proposer may read when it proposes. */
export interface ProposeInput {
  /** The allow-listed files at the base commit, by path. */
  files: Record<string, string>;
  /** program.md plus injected sections (notes, results, competitors), within the character budget. */
  context: string;
  ledger: LedgerRow[];
  incumbent: { valBpb: number; commit: string; config: Record<string, string> | null } | null;
  deadEnds: string[];
  plateau: boolean;
  /** Every experiment so far with its config and verdict (sweeps never repeat a config). */
  trials: TrialRecord[];
  /** Experiments proposed and still running: not to be proposed again (several run at once on GitHub). */
  inFlight?: InFlight[];
}

/** An experiment in flight, as the proposers see it. */
export type InFlight = Pick<TrialRecord, "description" | "direction" | "config">;

/** One finished experiment as the proposers see it. */
export interface TrialRecord {
  experiment: string;
  description: string;
  direction: string | null;
  config: Record<string, string> | null;
  verdict: "keep" | "discard" | "crash" | "backtrack";
  valBpb: number | null;
}

export interface AnalyseInput {
  proposal: Proposal;
  /** The log as parsed: its val_bpb is the run's claim, its error line is run output (untrusted). */
  summary: RunLogSummary;
  /** caddie's own score; null when it has none. */
  valBpb: number | null;
  flags: Flag[];
  verdict: "keep" | "discard" | "crash";
  /** The decision's reason; it may quote run output (an error line), so it is untrusted too. */
  reason: string;
  incumbent: number | null;
  /** Artifact bytes as our gate counted them (never the log's own claim); null when unmeasured. */
  artifactBytes: number | null;
  /** A fact about the change the analysis must name: it is budget-coupled (src/core/budget-coupling.ts). */
  changeNote?: string | null;
}

export interface FixInput {
  proposal: Proposal;
  files: Record<string, string>;
  /** The crash's error line and the log's last lines: run output, untrusted (sanitize and fence it). */
  error: string;
  logTail: string;
}

/** Writes hypotheses and changes: Claude when a key is set, otherwise a built-in sweep. */
export interface Proposer {
  readonly name: string;
  /** True when proposing is instant: the loop then waits for the newest result instead of proposing ahead. */
  readonly prefersLatest?: boolean;
  propose(input: ProposeInput, signal?: AbortSignal): Promise<Proposal>;
  analyse(input: AnalyseInput, signal?: AbortSignal): Promise<Analysis>;
  /** One trivial-fix attempt after a crash; null when the proposer sees no trivial fix. */
  fix(input: FixInput, signal?: AbortSignal): Promise<Proposal | null>;
}

/** Where experiments live as commits: local git branches, or pull requests on GitHub. */
export interface Forge {
  /** Head commit of the research line. */
  lineHead(): Promise<string>;
  /** Contents of a file at a commit, or null when absent. */
  readFile(commit: string, path: string): Promise<string | null>;
  /** Commits the edits on top of `base` as experiment `id`; returns the new commit. */
  createExperiment(input: { id: string; base: string; edits: FileEdit[]; message: string }): Promise<string>;
  /** Re-applies an experiment's change onto a newer base; null when it no longer applies cleanly. */
  rebaseExperiment(input: {
    id: string;
    commit: string;
    onto: string;
    message: string;
  }): Promise<string | null>;
  /** Keep: the experiment becomes the new head of the research line. */
  keep(input: { id: string; commit: string }): Promise<void>;
  /**
   * Discard: the line stays; the experiment is kept aside so its diff stays inspectable. A `flagged` one
   * waits for a person where the forge has people (GitHub leaves the pull request open).
   */
  discard(input: { id: string; commit: string; flagged?: boolean }): Promise<void>;
  /** Backtrack: the research line is reset to a known-good commit. */
  backtrack(input: { toCommit: string }): Promise<void>;
}

/**
 * What a training run left behind. Only the process's facts (exit, time) and where its log and model are:
 * code bytes come from the commit and the score from the Scorer, never from the run's folder.
 */
export interface RunOutcome {
  exitCode: number | null;
  timedOut: boolean;
  /** Wall seconds of the training process. */
  seconds: number;
  logText: string;
  logPath: string;
  /** Bytes of the compressed model file; null when the run wrote none. */
  modelBytes: number | null;
  /** Where the wall time went, when the runner saw the lines arrive (the local runner). */
  timing?: RunTiming;
  /** Seconds of the runner's own work around the process (export, data view, checks). */
  overheadSeconds?: number;
  /** Where the run left its model file (the scorer copies it out); absent when not on this machine. */
  modelPath?: string | null;
  /** What the runner's sandbox noticed: over budget, data modified, state tampered (src/core/flags.ts). */
  flags?: Flag[];
}

export interface RunRequest {
  id: string;
  commit: string;
  seed: number | null;
  /** Multiple of the tier's budget (steps and wall-clock cap, and the timeout): a confirmation run. Default 1. */
  budgetFactor?: number;
  /** The slot's GPUs (CUDA_VISIBLE_DEVICES); absent or null: the environment's own. */
  devices?: string[] | null;
  /** Called with each line of output as it arrives (progress bars). */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

/** Trains one commit on the configured tier. */
export interface Runner {
  run(request: RunRequest): Promise<RunOutcome>;
}

export interface ScoreRequest {
  id: string;
  /** The commit that was trained: the scorer's code comes from here, never from the run's folder. */
  commit: string;
  seed: number | null;
  /** What the run left: the scorer copies its model file out before scoring. */
  outcome: RunOutcome;
  /** The GPUs the run trained on (its slot's), where it is scored: never a GPU another slot trains on. */
  devices?: string[] | null;
  signal?: AbortSignal;
}

/**
 * caddie's own score of a trained model: a separate step in a fresh folder with the commit's code and a
 * copy of the model, on validation data the training could not read (docs/SCORING.md). It never throws
 * for what the model or the code did: a failure is an `unverified` score with the reason.
 */
export interface Scorer {
  score(request: ScoreRequest): Promise<ScoreResult>;
}

/** Persistent loop state besides the ledger and notes. */
export interface LoopState {
  /** Experiments so far (the next id is derived from it). */
  counter: number;
  /** Per experiment: direction and config, so signals and sweeps survive restarts. */
  experiments: Record<
    string,
    {
      direction: string | null;
      config: Record<string, string> | null;
      commit: string;
      /** The kind of change (src/core/change-class.ts), for the tier correlation by class. */
      changeClass?: string;
      /** A confirmation at a longer budget: the gain on the proxy and on the longer tier. */
      tierGain?: { tier: string; proxyGain: number; gain: number } | null;
      /** Milliseconds per step of each of its runs, by tier (machine-load checks on wall-clock tiers). */
      stepMs?: Record<string, number[]>;
    }
  >;
  /**
   * Experiments committed and training, not yet decided (the local loop): a resumed loop trains them
   * again first, under their ids. An entry whose id is in `experiments` was decided and is stale.
   */
  pending?: Record<string, PendingRun>;
}

/** An experiment in flight, as the local loop keeps it in its state to resume it. */
export interface PendingRun {
  index: number;
  commit: string;
  /** The line head it was committed on. */
  base: string;
  proposal: Omit<Proposal, "edits">;
}

/**
 * results.tsv, notes.md and loop state. A write replaces the whole file and is never seen half-done, and
 * a read after a write sees it. When a write is durable is the adapter's: the local FileStore renames
 * each file into place at once; the App's GitHubStore buffers writes and lands them together in one
 * caddie/state commit at its `flush` (one compare-and-swap), so a batch is durable all or nothing.
 */
export interface Store {
  readLedger(): Promise<LedgerRow[]>;
  writeLedger(rows: LedgerRow[]): Promise<void>;
  readNotes(): Promise<string>;
  writeNotes(markdown: string): Promise<void>;
  readState(): Promise<LoopState>;
  writeState(state: LoopState): Promise<void>;
}

export interface Clock {
  now(): number;
}
