/**
 * bot.json on `caddie/state`: what only the GitHub App needs besides the loop's own state: the pause
 * switch, the results issue, the last config error reported, the handled idempotency keys, and the
 * experiments in flight (their pull request, base and proposal) so a restart loses nothing.
 */
import type { Reasoning } from "../engine/ports.ts";
import type { ReportRun } from "./render-report.ts";

/** A run the bot dispatched: its id once known, when, and which commit it was asked to train. */
export interface Dispatch {
  runId: number | null;
  /** ISO time of the dispatch. */
  at: string;
  sha: string;
  /**
   * Why GitHub's answer to the dispatch was lost (a 5xx, a reset, no answer): it may or may not have
   * started a run, so it is never sent again until its window passes with no run (dispatch-workflow.ts).
   */
  unconfirmed?: string;
}

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
  /** The training runs the bot dispatched for it, newest last: only these runs are read back. */
  dispatches?: Dispatch[];
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
  /** The promotion workflow run its dispatch created (paired by this id, never by title). */
  runId: number | null;
  /** When it was dispatched (pairs the run later where GitHub did not return its id). */
  dispatchedAt?: string | null;
  /** Why the dispatch's answer was lost, when it was (see Dispatch.unconfirmed). */
  unconfirmed?: string;
  /** Settled cost (from billed seconds), once known. */
  costUsd: number | null;
}

export interface BotState {
  paused: boolean;
  resultsIssue: number | null;
  /** Why caddie cannot act, as last reported on the results issue (reported once; cleared by a tick that works). */
  configError: string | null;
  /**
   * What that problem was last found with (config, brief, environment, research line head): quiet until
   * one of them changes; null while caddie tries again.
   */
  configErrorFor: string | null;
  /** Idempotency keys already acted on, newest last (bounded). */
  handled: string[];
  experiments: Record<string, PendingExperiment>;
  /** Keyed by Promotion.key: an object, not a list, so concurrent writers merge by key. */
  promotions: Record<string, Promotion>;
  /** The last research run the bot dispatched (research on), read back once it finished. */
  research?: Dispatch | null;
  /** Promotion-workflow runs the bot did not dispatch, already recorded as unbudgeted spend. */
  unbudgeted?: number[];
}

/** Every run id a dispatch of the bot holds, so a newly found run is never paired twice. */
export function takenRunIds(state: BotState): Set<number> {
  const ids = new Set<number>();
  for (const e of Object.values(state.experiments))
    for (const d of e.dispatches ?? []) if (d.runId !== null) ids.add(d.runId);
  for (const p of Object.values(state.promotions)) if (p.runId !== null) ids.add(p.runId);
  if (state.research?.runId) ids.add(state.research.runId);
  return ids;
}

/** The experiment a run id was dispatched for, with that dispatch. */
export function experimentOfRun(
  state: BotState,
  runId: number,
): { id: string; exp: PendingExperiment; dispatch: Dispatch } | null {
  for (const [id, exp] of Object.entries(state.experiments)) {
    const dispatch = (exp.dispatches ?? []).find((d) => d.runId === runId);
    if (dispatch) return { id, exp, dispatch };
  }
  return null;
}

export const MAX_HANDLED_KEYS = 1000;

export function emptyBotState(): BotState {
  return {
    paused: false,
    resultsIssue: null,
    configError: null,
    configErrorFor: null,
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
