/**
 * The budget as markdown: the reply to /budget, the budget section of the results issue and
 * `caddie budget`. Rendered whole from a spend summary; the estimate line is also what a /promote reply
 * quotes before dispatch.
 */
// Labels are caddie's own (PR number, commit, seeds); a note may quote GitHub or a run, so it is outside text.
import { inline, ownCell } from "./safe-markdown.ts";
import { usd, type SpendEntry, type SpendEstimate, type SpendSummary } from "./spend-ledger.ts";

export interface RenderBudgetOptions {
  /** The estimate of the next full run with the configured tier, shown as "Next full run: ...". */
  next?: SpendEstimate | null;
  /** How many settled runs to list, newest first (default 10). */
  recent?: number;
}

/** One line: "about $7.90 (8 x H100 ...), worst case $15.80". */
export function renderSpendEstimate(e: SpendEstimate): string {
  const seeds = `${e.seeds} seed${e.seeds === 1 ? "" : "s"}`;
  return (
    `about ${usd(e.usd)} (${e.gpus} GPUs x ${usd(e.usdPerGpuHour)}/GPU-hour x ${e.expectedSeconds} s x ${seeds}), ` +
    `worst case ${usd(e.ceilingUsd)} at the ${e.timeoutSeconds} s timeout`
  );
}

export function renderBudget(s: SpendSummary, options: RenderBudgetOptions = {}): string {
  const out: string[] = ["### Budget", ""];
  if (s.totalUsd <= 0) {
    out.push("No credits configured: set `budget.total_usd` in `.github/caddie.yml` to allow paid runs.", "");
  }
  out.push(
    "| Total | Spent | Held | Left | Reserve | Spendable |",
    "|---:|---:|---:|---:|---:|---:|",
    `| ${usd(s.totalUsd)} | ${usd(s.spentUsd)} | ${usd(s.heldUsd)} | ${usd(s.availableUsd)} | ${usd(s.reserveUsd)} | ${usd(s.spendableUsd)} |`,
    "",
  );
  const slot = s.nextSlotAt === null ? "a slot is free now" : `next slot at ${s.nextSlotAt}`;
  const limit =
    s.maxFullRunsPerHour === 0
      ? "paid runs are off"
      : `${s.runsLastHour} of ${s.maxFullRunsPerHour}; ${slot}`;
  out.push(`Paid runs in the last hour: ${limit}.`);
  if (options.next) out.push(`Next full run: ${renderSpendEstimate(options.next)}.`);
  out.push("");
  if (s.warning !== null) out.push("> [!WARNING]", `> ${s.warning}`, "");
  if (s.open.length > 0) {
    out.push(
      "#### In flight",
      "",
      "| Run | Reserved at | Estimate | Worst case | |",
      "|---|---|---:|---:|---|",
    );
    for (const e of s.open) {
      out.push(
        `| ${ownCell(e.label)} | ${e.reservedAt} | ${usd(e.estimateUsd)} | ${usd(e.ceilingUsd)} | ${e.stale ? "stale: settle or release it" : ""} |`,
      );
    }
    out.push("");
  }
  const recent = [...s.settled].sort(byClosedDesc).slice(0, options.recent ?? 10);
  if (recent.length > 0) {
    const more = s.settled.length > recent.length ? ` (latest ${recent.length} of ${s.settled.length})` : "";
    out.push(
      `#### Settled${more}`,
      "",
      "| Run | Finished | Seconds | Cost | Estimate | Note |",
      "|---|---|---:|---:|---:|---|",
    );
    for (const e of recent) {
      out.push(
        `| ${ownCell(e.label)} | ${e.closedAt ?? ""} | ${e.measuredSeconds === null ? "" : Math.round(e.measuredSeconds)} | ${usd(e.costUsd ?? 0)} | ${usd(e.estimateUsd)} | ${inline(e.note ?? "", 300)} |`,
      );
    }
    out.push("");
  }
  return out.join("\n");
}

function byClosedDesc(a: SpendEntry, b: SpendEntry): number {
  return Date.parse(b.closedAt ?? "") - Date.parse(a.closedAt ?? "");
}
