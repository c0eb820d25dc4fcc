/**
 * bot.json on `caddie/state`: what only the GitHub App needs besides the loop's own state: the pause
 * switch, the results issue, the last config error reported, the handled idempotency keys, and the
 * experiments in flight (their pull request, base and proposal) so a restart loses nothing.
 */
import type { Reasoning } from "../engine/ports.ts";
import type { ReportRun } from "./render-report.ts";

/** A check run as it will be written: rendered once at decision time, so a retry writes the same one. */
export interface CheckPost {
  sha: string;
  experiment: string;
  conclusion: "success" | "failure";
  title: string;
  summary: string;
  detailsUrl: string | null;
  promote: boolean;
}

/**
 * What a decision still owes GitHub (an outbox): written in the same state commit as the decision, so a
 * failed or lost publish is redone by the reconciler, which confirms each piece on GitHub first (exactly
 * once) and then drops it.
 */
export interface Owed {
  /** The run ("run:attempt") the decision came from. */
  run: string;
  /** The `caddie / proxy` check run, rendered. */
  check: CheckPost | null;
  /** The sticky report (re-rendered from state and updated in place, so always safe to redo). */
  report: boolean;
  /** The ANALYSIS comment (with its hidden marker), or null when the decision has none. */
  analysis: string | null;
  /** The pull request must end closed (a discard, a crash, the baseline). */
  close: boolean;
}

export interface PendingExperiment {
  index: number;
  pr: number;
  branch: string;
  /** The research-line commit the experiment was built on. */
  base: string;
  commit: string;
  description: string;
  direction: string | null;
  reasoning: Reasoning;
  config: Record<string, string> | null;
  baseline: boolean;
  /** The crashed experiment this one tries to fix. */
  fixOf: string | null;
  /** Where the experiment stands: open until a decision (or a human) closes it. */
  status: "open" | "settled" | "closed";
  /** Workflow run attempts ("run:attempt") already acted on, so a redelivery changes nothing. */
  runs: string[];
  /** What each run showed, oldest first: the sticky report is rendered from it. */
  history: ReportRun[];
  /** What the last decision has not yet been confirmed to have published (absent: nothing owed). */
  owed?: Owed | null;
}

/**
 * A paid full-tier run of one experiment at one head SHA. Its money lives in the spend ledger (spend.json)
 * under `key`; this record says which pull request and workflow run it belongs to.
 */
export interface Promotion {
  /** The spend ledger key (also the key of this record). */
  key: string;
  experiment: string;
  pr: number;
  sha: string;
  seeds: number;
  /** Who asked: a login, or "auto" for an automatic promotion. */
  requestedBy: string;
  /** ISO time of the reservation. */
  at: string;
  estimateUsd: number;
  /** reserved -> dispatched -> settled, or released when nothing ran. */
  state: "reserved" | "dispatched" | "settled" | "released";
  /** The promotion workflow run it was matched with, once finished. */
  runId: number | null;
  /** Settled cost (from billed seconds), once known. */
  costUsd: number | null;
}

export interface BotState {
  paused: boolean;
  resultsIssue: number | null;
  /** The config error last reported on the results issue (reported once). */
  configError: string | null;
  /** Idempotency keys already acted on, newest last (bounded). */
  handled: string[];
  experiments: Record<string, PendingExperiment>;
  /** Keyed by Promotion.key: an object, not a list, so concurrent writers merge by key. */
  promotions: Record<string, Promotion>;
}

export const MAX_HANDLED_KEYS = 1000;

export function emptyBotState(): BotState {
  return {
    paused: false,
    resultsIssue: null,
    configError: null,
    handled: [],
    experiments: {},
    promotions: {},
  };
}

export function parseBotState(text: string | undefined): BotState {
  if (text === undefined) return emptyBotState();
  const parsed = JSON.parse(text) as Partial<BotState>;
  const state = { ...emptyBotState(), ...parsed };
  // Before the spend ledger, promotions were a list of estimates with no money behind them: dropped.
  if (Array.isArray(state.promotions)) state.promotions = {};
  return state;
}

export function formatBotState(state: BotState): string {
  return `${JSON.stringify({ ...state, handled: state.handled.slice(-MAX_HANDLED_KEYS) }, null, 2)}\n`;
}
