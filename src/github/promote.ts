/**
 * The one path to a paid full-tier run, for `/promote` and automatic promotion alike: estimate with the
 * configured full tier, reserve the estimate in the spend ledger (spend.json on caddie/state, committed by
 * compare-and-swap), and only then dispatch the promotion workflow. Two deliveries racing for the last
 * credits cannot both pass: the loser's commit re-runs `reserveSpend` on the winner's ledger and is refused.
 * A dispatch that fails releases its reservation.
 */
import { promotionKey } from "../core/promotion.ts";
import {
  emptySpendLedger,
  estimateFullRun,
  formatSpendLedger,
  parseSpendLedger,
  releaseSpend,
  reserveSpend,
  type SpendEstimate,
  type SpendLedger,
  type SpendPolicy,
} from "../core/spend-ledger.ts";
import type { CaddieConfig } from "../core/config.ts";
import { takenRunIds, type Promotion } from "./bot-state.ts";
import { dispatchWorkflow, type Dispatch } from "./dispatch-workflow.ts";
import { STATE_FILES, type GitHubStore } from "./github-store.ts";
import { short } from "./markdown.ts";
import type { ReadySession } from "./repo-session.ts";
import { PROMOTE_WORKFLOW_FILE } from "./workflows.ts";

export interface PromoteRequest {
  experiment: string;
  pr: number;
  sha: string;
  seeds: number;
  /** A login, or "auto". */
  requestedBy: string;
}

export type PromoteOutcome =
  | { kind: "dispatched"; estimate: SpendEstimate; promotion: Promotion; warning: string | null }
  | { kind: "refused"; estimate: SpendEstimate; reason: string }
  | { kind: "dry-run"; estimate: SpendEstimate }
  | { kind: "failed"; estimate: SpendEstimate; reason: string };

/** A reservation that no longer fits once another writer's commit is taken into account. */
class SpendRefused extends Error {}

export function spendPolicy(config: CaddieConfig): SpendPolicy {
  const { totalUsd, reserveUsd, maxFullRunsPerHour } = config.budget;
  return { totalUsd, reserveUsd, maxFullRunsPerHour };
}

/** spend.json as stored (an empty ledger before the first paid run). */
export function readSpend(store: GitHubStore): SpendLedger {
  const text = store.text(STATE_FILES.spend);
  return text === undefined ? emptySpendLedger() : parseSpendLedger(text);
}

/** Applies `change` to spend.json as an edit: re-applied to the freshest ledger if another writer won. */
export function editSpend(store: GitHubStore, change: (ledger: SpendLedger) => SpendLedger): void {
  store.edit(STATE_FILES.spend, (text) =>
    formatSpendLedger(change(text === undefined ? emptySpendLedger() : parseSpendLedger(text))),
  );
}

function setPromotion(store: GitHubStore, promotion: Promotion): void {
  const bot = store.bot();
  store.setBot({ ...bot, promotions: { ...bot.promotions, [promotion.key]: promotion } });
}

export async function promote(session: ReadySession, req: PromoteRequest): Promise<PromoteOutcome> {
  const { store, config } = session;
  const estimate = estimateFullRun(config.tiers.full, req.seeds);
  if (config.dryRun) return { kind: "dry-run", estimate };
  const key = `promote:${promotionKey(req.experiment, req.sha)}`;
  const label = `PR #${req.pr} @ ${short(req.sha)}, ${req.seeds} seed${req.seeds === 1 ? "" : "s"}`;
  const policy = spendPolicy(config);
  const nowMs = session.app.clock.now();
  const reserve = (ledger: SpendLedger) => reserveSpend(ledger, policy, { key, label, estimate }, nowMs);
  const first = reserve(readSpend(store));
  if (!first.ok) return { kind: "refused", estimate, reason: first.reason };
  // The same experiment and SHA already holds a reservation: it was dispatched once, never twice.
  if (first.idempotent)
    return { kind: "refused", estimate, reason: `${short(req.sha)} is already promoted (${first.reason})` };
  const before = store.bot();
  const promotion: Promotion = {
    key,
    experiment: req.experiment,
    pr: req.pr,
    sha: req.sha,
    seeds: req.seeds,
    requestedBy: req.requestedBy,
    at: new Date(nowMs).toISOString(),
    estimateUsd: first.entry.estimateUsd,
    state: "reserved",
    runId: null,
    costUsd: null,
  };
  editSpend(store, (ledger) => {
    const verdict = reserve(ledger);
    if (!verdict.ok) throw new SpendRefused(verdict.reason);
    return verdict.ledger;
  });
  setPromotion(store, promotion);
  try {
    await store.flush(`promote: reserve ${label}`);
  } catch (error) {
    if (!(error instanceof SpendRefused)) throw error;
    store.forget(STATE_FILES.spend);
    store.setBot(before);
    return { kind: "refused", estimate, reason: error.message };
  }
  let dispatch: Dispatch;
  try {
    dispatch = await dispatchWorkflow(session, {
      file: PROMOTE_WORKFLOW_FILE,
      inputs: { pr: String(req.pr), sha: req.sha, seeds: String(req.seeds) },
      sha: req.sha,
      taken: takenRunIds(store.bot()),
    });
  } catch (error) {
    const reason = `the promotion workflow could not be dispatched (${error instanceof Error ? error.message : String(error)})`;
    session.log.warn({ key, error: reason }, "promotion dispatch failed; releasing the reservation");
    editSpend(store, (ledger) => releaseSpend(ledger, key, { nowMs, reason }).ledger);
    setPromotion(store, { ...promotion, state: "released", costUsd: 0 });
    await store.flush(`promote: release ${label}`);
    return { kind: "failed", estimate, reason };
  }
  // Paired with its run by this id when it finishes (never by the run's title).
  const dispatched: Promotion = {
    ...promotion,
    state: "dispatched",
    runId: dispatch.runId,
    dispatchedAt: dispatch.at,
    ...(dispatch.unconfirmed ? { unconfirmed: dispatch.unconfirmed } : {}),
  };
  setPromotion(store, dispatched);
  // A lost answer is not a refusal: the dispatch may be running, so it is not sent twice and its money
  // stays reserved until its run reads back (or its window passes with no run: reconcile.ts).
  const lost = dispatch.unconfirmed
    ? `${dispatch.unconfirmed}; it was not sent twice. The reservation holds until the run reports back.`
    : null;
  const warning = [first.warning, lost].filter((w) => w !== null).join(" ") || null;
  return { kind: "dispatched", estimate, promotion: dispatched, warning };
}
