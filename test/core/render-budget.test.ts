import { describe, expect, it } from "vitest";
import { renderBudget, renderSpendEstimate } from "../../src/core/render-budget.ts";
import {
  emptySpendLedger,
  estimateSpend,
  reserveSpend,
  settleSpend,
  spendSummary,
  type SpendLedger,
  type SpendPolicy,
} from "../../src/core/spend-ledger.ts";

const T0 = Date.parse("2026-05-01T12:00:00Z");
const MIN = 60_000;
const policy: SpendPolicy = { totalUsd: 40, reserveUsd: 10, maxFullRunsPerHour: 1 };
const estimate = estimateSpend({
  gpus: 8,
  usdPerGpuHour: 3.95,
  expectedSeconds: 900,
  timeoutSeconds: 1800,
  seeds: 1,
});

function reserve(ledger: SpendLedger, key: string, label: string, now: number): SpendLedger {
  const v = reserveSpend(ledger, policy, { key, label, estimate }, now);
  if (!v.ok) throw new Error(v.reason);
  return v.ledger;
}

describe("renderSpendEstimate", () => {
  it("shows the arithmetic and the worst case", () => {
    expect(renderSpendEstimate(estimate)).toBe(
      "about $7.90 (8 GPUs x $3.95/GPU-hour x 900 s x 1 seed), worst case $15.80 at the 1800 s timeout",
    );
  });
});

describe("renderBudget", () => {
  it("renders totals, the rate limit, the warning, runs in flight and settled runs", () => {
    let ledger = reserve(emptySpendLedger(), "pr-3@a", "PR #3 | a1b2c3d", T0);
    ledger = settleSpend(ledger, "pr-3@a", { measuredSeconds: 700, nowMs: T0 + 14 * MIN }).ledger;
    ledger = reserve(ledger, "pr-5@b", "PR #5 @ b2c3d4e", T0 + 61 * MIN);
    const md = renderBudget(spendSummary(ledger, policy, T0 + 200 * MIN), { next: estimate });
    expect(md).toBe(
      [
        "### Budget",
        "",
        "| Total | Spent | Held | Left | Reserve | Spendable |",
        "|---:|---:|---:|---:|---:|---:|",
        "| $40.00 | $6.14 | $7.90 | $25.96 | $10.00 | $15.96 |",
        "",
        "Paid runs in the last hour: 0 of 1; a slot is free now.",
        "Next full run: about $7.90 (8 GPUs x $3.95/GPU-hour x 900 s x 1 seed), worst case $15.80 at the 1800 s timeout.",
        "",
        "#### In flight",
        "",
        "| Run | Reserved at | Estimate | Worst case | |",
        "|---|---|---:|---:|---|",
        "| PR #5 @ b2c3d4e | 2026-05-01T13:01:00.000Z | $7.90 | $15.80 | stale: settle or release it |",
        "",
        "#### Settled",
        "",
        "| Run | Finished | Seconds | Cost | Estimate | Note |",
        "|---|---|---:|---:|---:|---|",
        "| PR #3 \\| a1b2c3d | 2026-05-01T12:14:00.000Z | 700 | $6.14 | $7.90 |  |",
        "",
      ].join("\n"),
    );
  });

  it("warns under twice the reserve and explains a missing budget", () => {
    const low = renderBudget(spendSummary(emptySpendLedger(), { ...policy, totalUsd: 15 }, T0));
    expect(low).toContain("> [!WARNING]\n> $15.00 left, under twice the $10.00 reserve\n");
    const none = renderBudget(
      spendSummary(emptySpendLedger(), { totalUsd: 0, reserveUsd: 0, maxFullRunsPerHour: 1 }, T0),
    );
    expect(none).toContain("No credits configured: set `budget.total_usd`");
  });

  it("renders a settlement note (it may quote GitHub or a run) through the one renderer", () => {
    let ledger = reserve(emptySpendLedger(), "k", "PR #1 @ a1b2c3d", T0);
    const note = "dispatch failed (Not Found - https://docs.github.com/rest) ping @octocat | ![x](y)";
    ledger = settleSpend(ledger, "k", { measuredSeconds: 60, nowMs: T0 + MIN, note }).ledger;
    const md = renderBudget(spendSummary(ledger, policy, T0 + 2 * MIN));
    expect(md).toContain(
      "| PR #1 @ a1b2c3d | 2026-05-01T12:01:00.000Z | 60 | $0.53 | $7.90 | dispatch failed (Not Found - https:\u200b//docs.github.com/rest) ping @\u200boctocat \\| \\!\\[x\\](y) |",
    );
  });

  it("names the next slot while the rate limit holds", () => {
    const ledger = reserve(emptySpendLedger(), "k", "PR #1", T0);
    const md = renderBudget(spendSummary(ledger, policy, T0 + 5 * MIN));
    expect(md).toContain("Paid runs in the last hour: 1 of 1; next slot at 2026-05-01T13:00:00.000Z.");
    expect(md).not.toContain("stale");
  });
});
