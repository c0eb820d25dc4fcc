/**
 * Automatic promotion after a keep: when `budget.auto_promote` is on and `promotionVerdict` finds the proxy
 * gain over the previous incumbent at or above the threshold (scaled by the tier correlation), the
 * experiment goes through the same reserve-then-dispatch path as `/promote`, with one seed. The outcome
 * (dispatched, or refused by the budget) is said on the pull request; a gain below the threshold is only
 * logged.
 */
import type { LedgerRow } from "../core/ledger.ts";
import { promotionKey, promotionVerdict } from "../core/promotion.ts";
import { renderSpendEstimate } from "../core/render-budget.ts";
import { gainPairs, promotionCorrelation } from "../core/tier-gains.ts";
import { bestKept } from "../engine/history.ts";
import { short } from "./markdown.ts";
import { promote } from "./promote.ts";
import { PROMOTION_MARKER } from "./markers.ts";
import { postComment } from "./post-comment.ts";
import type { ReadySession } from "./repo-session.ts";

export interface KeptRun {
  id: string;
  pr: number;
  row: LedgerRow;
  gateOk: boolean;
}

/** Seeds for an automatic promotion: one, to check the proxy gain holds before paying for three. */
export const AUTO_PROMOTE_SEEDS = 1;

export async function autoPromote(session: ReadySession, kept: KeptRun): Promise<string> {
  const { config, store, log } = session;
  if (!config.budget.autoPromote || kept.row.status !== "keep") return "off";
  const rows = await store.readLedger();
  const state = await store.readState();
  const incumbent = bestKept(
    rows.filter((r) => r.experiment !== kept.id),
    "proxy",
  );
  const promoted = new Set(
    Object.values(store.bot().promotions)
      .filter((p) => p.state !== "released")
      .map((p) => promotionKey(p.experiment, p.sha)),
  );
  const verdict = promotionVerdict({
    enabled: true,
    candidate: {
      experiment: kept.id,
      commit: kept.row.commit,
      status: kept.row.val_bpb === null ? "crash" : "ok",
      gateOk: kept.gateOk,
      valBpb: kept.row.val_bpb,
    },
    incumbent: incumbent?.valBpb ?? null,
    baseThreshold: config.thresholds.promoteGain,
    correlation: promotionCorrelation(
      rows,
      gainPairs(rows, state.experiments),
      state.experiments[kept.id]?.changeClass ?? null,
    ).correlation,
    promoted,
  });
  if (!verdict.promote) {
    log.info({ id: kept.id, reason: verdict.reason }, "no automatic promotion");
    return "not promoted";
  }
  const outcome = await promote(session, {
    experiment: kept.id,
    pr: kept.pr,
    sha: kept.row.commit,
    seeds: AUTO_PROMOTE_SEEDS,
    requestedBy: "auto",
  });
  if (outcome.kind === "dry-run") {
    log.info({ id: kept.id, reason: verdict.reason }, "DRY-RUN: would promote automatically");
    return "dry-run";
  }
  const sha = `\`${short(kept.row.commit)}\``;
  const body =
    outcome.kind === "dispatched"
      ? `🚀 automatic promotion: ${verdict.reason}. Promoting ${sha} to ${config.tiers.full.gpus}x${config.tiers.full.gpu} with ${AUTO_PROMOTE_SEEDS} seed; estimate ${renderSpendEstimate(outcome.estimate)}, reserved in the spend ledger.`
      : `automatic promotion refused: ${verdict.reason}, but ${outcome.reason}. Nothing was dispatched; comment \`/promote\` once the budget allows.`;
  await postComment(session, {
    issue: kept.pr,
    body,
    marker: { name: PROMOTION_MARKER, value: `auto ${kept.id} ${kept.row.commit}` },
  });
  await store.flush(`auto-promote ${kept.id}: ${outcome.kind}`);
  return outcome.kind;
}
