/**
 * The promotion budget as the bot applies it: estimate before dispatch (GPUs x time x price x seeds),
 * a total cap with a reserve floor, and a rate limit on full runs per hour. Spent money is the sum of
 * promotion estimates until measured costs are recorded on the ledger.
 */
import type { CaddieConfig } from "../core/config.ts";
import type { LedgerRow } from "../core/ledger.ts";
import type { Promotion } from "./bot-state.ts";

/** Start-up, compile and evaluation on top of the training cap, per run (seconds). */
const OVERHEAD_SECONDS = 300;

export function estimateUsd(config: CaddieConfig, seeds: number): number {
  const full = config.tiers.full;
  return ((full.gpus * (full.trainSeconds + OVERHEAD_SECONDS)) / 3600) * full.usdPerGpuHour * seeds;
}

export function spentUsd(promotions: Promotion[], rows: LedgerRow[] = []): number {
  const measured = rows
    .filter((r) => r.tier === "full" && r.cost_usd !== null)
    .reduce((n, r) => n + (r.cost_usd ?? 0), 0);
  const estimated = promotions.reduce((n, p) => n + p.estimateUsd, 0);
  return Math.max(measured, estimated);
}

export type BudgetCheck = { ok: true; estimate: number } | { ok: false; reason: string; estimate: number };

export function checkBudget(
  config: CaddieConfig,
  promotions: Promotion[],
  seeds: number,
  now: number,
): BudgetCheck {
  const estimate = estimateUsd(config, seeds);
  const { totalUsd, reserveUsd, maxFullRunsPerHour } = config.budget;
  if (totalUsd <= 0)
    return { ok: false, estimate, reason: "no budget is set (`budget.total_usd` in `.github/caddie.yml`)" };
  const spent = spentUsd(promotions);
  if (spent + estimate > totalUsd - reserveUsd)
    return {
      ok: false,
      estimate,
      reason: `the estimate $${estimate.toFixed(2)} would pass the budget: $${spent.toFixed(2)} spent of $${totalUsd.toFixed(2)}, $${reserveUsd.toFixed(2)} held in reserve`,
    };
  const lastHour = promotions
    .filter((p) => now - Date.parse(p.at) < 3_600_000)
    .reduce((n, p) => n + p.seeds, 0);
  if (lastHour + seeds > maxFullRunsPerHour)
    return {
      ok: false,
      estimate,
      reason: `at most ${maxFullRunsPerHour} full run(s) per hour (\`budget.max_full_runs_per_hour\`); ${lastHour} in the last hour`,
    };
  return { ok: true, estimate };
}

export function renderBudget(config: CaddieConfig, promotions: Promotion[]): string | null {
  const { totalUsd, reserveUsd, maxFullRunsPerHour } = config.budget;
  if (totalUsd <= 0) return null;
  const spent = spentUsd(promotions);
  return [
    `| total | spent (est.) | reserve | left to spend | per full run (1 seed) | max full runs / hour |`,
    `|---:|---:|---:|---:|---:|---:|`,
    `| $${totalUsd.toFixed(2)} | $${spent.toFixed(2)} | $${reserveUsd.toFixed(2)} | $${Math.max(0, totalUsd - reserveUsd - spent).toFixed(2)} | $${estimateUsd(config, 1).toFixed(2)} | ${maxFullRunsPerHour} |`,
  ].join("\n");
}
