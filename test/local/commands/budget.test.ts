import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatLedger, type LedgerRow } from "../../../src/core/ledger.ts";
import {
  emptySpendLedger,
  estimateSpend,
  formatSpendLedger,
  reserveSpend,
  settleSpend,
} from "../../../src/core/spend-ledger.ts";
import { budgetCommand } from "../../../src/local/commands/budget.ts";
import type { CommandIO } from "../../../src/local/commands/command.ts";

function io(cwd: string): CommandIO & { out: string[] } {
  const out: string[] = [];
  return {
    stdout: (t) => out.push(t),
    stderr: (t) => out.push(t),
    cwd,
    env: {},
    signal: new AbortController().signal,
    out,
  };
}

const row = (experiment: string, tier: string, val_bpb: number): LedgerRow => ({
  experiment,
  commit: "abc1234",
  tier,
  seed: null,
  val_bpb,
  artifact_bytes: 15_000_000,
  memory_gb: null,
  seconds: 600,
  status: "keep",
  promoted: tier === "full",
  cost_usd: null,
  claimed_val_bpb: null,
  flags: [],
  description: "d",
});

describe("caddie budget", () => {
  it("explains an empty state: no credits configured, no paired runs", async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), "caddie-budget-"));
    const cli = io(cwd);
    expect(await budgetCommand.run([], cli)).toBe(0);
    const text = cli.out.join("");
    expect(text).toContain("No credits configured");
    expect(text).toContain("| $0.00 | $0.00 | $0.00 | $0.00 | $0.00 | $0.00 |");
    expect(text).toContain("Next full run: about $7.90 (8 GPUs x $3.95/GPU-hour x 900 s x 1 seed)");
    expect(text).toContain("0 of 3 paired experiments needed");
  });

  it("shows the configured budget, the ledger's runs and the tier correlation from every run folder", async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), "caddie-budget-"));
    await mkdir(path.join(cwd, ".github"));
    await writeFile(
      path.join(cwd, ".github", "caddie.yml"),
      "budget:\n  total_usd: 100\n  reserve_usd: 10\n  max_full_runs_per_hour: 2\nthresholds:\n  promote_gain: 0.05\n",
    );
    const state = path.join(cwd, ".caddie");
    const estimate = estimateSpend({
      gpus: 8,
      usdPerGpuHour: 3.95,
      expectedSeconds: 900,
      timeoutSeconds: 1800,
      seeds: 1,
    });
    const policy = { totalUsd: 100, reserveUsd: 10, maxFullRunsPerHour: 2 };
    const now = Date.now();
    const v = reserveSpend(
      emptySpendLedger(),
      policy,
      { key: "pr-4", label: "PR #4 @ abc1234", estimate },
      now - 3_600_000 * 3,
    );
    if (!v.ok) throw new Error(v.reason);
    const ledger = settleSpend(v.ledger, "pr-4", { measuredSeconds: 700, nowMs: now - 3_600_000 * 2 }).ledger;
    await mkdir(path.join(state, "mar5"), { recursive: true });
    await writeFile(path.join(state, "spend.json"), formatSpendLedger(ledger));
    await writeFile(
      path.join(state, "mar5", "results.tsv"),
      formatLedger([
        row("e1", "proxy", 1.5),
        row("e1", "full", 1.22),
        row("e2", "proxy", 1.48),
        row("e2", "full", 1.21),
        row("e3", "proxy", 1.45),
        row("e3", "full", 1.2),
      ]),
    );
    const cli = io(cwd);
    expect(await budgetCommand.run([], cli)).toBe(0);
    const text = cli.out.join("");
    expect(text).toContain("| $100.00 | $6.14 | $0.00 | $93.86 | $10.00 | $83.86 |");
    expect(text).toContain("Paid runs in the last hour: 0 of 2; a slot is free now.");
    expect(text).toContain("| PR #4 @ abc1234 |");
    expect(text).toContain("| 3 | 0.99 | 1.00 | -0.2667 | 5.0% |");

    const json = io(cwd);
    await budgetCommand.run(["--json"], json);
    const parsed = JSON.parse(json.out.join("")) as {
      summary: { spentUsd: number };
      correlation: { pairs: unknown[] };
    };
    expect(parsed.summary.spentUsd).toBeCloseTo((3.95 / 3600) * 8 * 700, 10);
    expect(parsed.correlation.pairs).toHaveLength(3);
  });

  it("names a damaged spend ledger", async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), "caddie-budget-"));
    await mkdir(path.join(cwd, "state"));
    await writeFile(path.join(cwd, "state", "spend.json"), "{not json");
    await expect(budgetCommand.run(["--state-dir", "state"], io(cwd))).rejects.toThrow(
      `${path.join(cwd, "state", "spend.json")}: spend ledger is not valid JSON`,
    );
  });
});
