import { describe, expect, it } from "vitest";
import type { LedgerRow } from "../../src/core/ledger.ts";
import { renderResultsIssue, type ResultsModel } from "../../src/github/render-results-issue.ts";

function row(experiment: string, tier: string, seed: number | null, val_bpb: number | null): LedgerRow {
  return {
    experiment,
    commit: `${experiment.replace(/\D/g, "").padStart(7, "0")}bbbbbbbb`,
    tier,
    seed,
    val_bpb,
    artifact_bytes: 15_000_000,
    memory_gb: null,
    seconds: 600,
    status: val_bpb === null ? "crash" : "keep",
    promoted: tier === "full",
    cost_usd: tier === "full" ? 5.27 : null,
    claimed_val_bpb: null,
    flags: [],
    description: `${experiment} on ${tier}`,
  };
}

function model(rows: LedgerRow[], over: Partial<ResultsModel> = {}): ResultsModel {
  return {
    status: { kind: "running" },
    rows,
    pulls: {},
    open: [],
    sota: { valBpb: 1.2244, label: "openai/parameter-golf#1", url: null },
    budget: null,
    promotions: [],
    deadEnds: [],
    whatWorks: [],
    limitBytes: 16_000_000,
    stateUrl: "https://github.com/o/r/blob/caddie/state/results.tsv",
    ...over,
  };
}

describe("the results issue's promotion sections", () => {
  it("shows the core tier correlation with the tuned threshold once three experiments are paired", () => {
    const rows = [1, 2, 3, 4].flatMap((i) => [
      row(`exp-00${i}`, "proxy", null, 1.3 - i * 0.01),
      row(`exp-00${i}`, "full", 1337, 1.25 - i * 0.012),
    ]);
    const body = renderResultsIssue(model(rows, { promoteGain: 0.05 }));
    expect(body).toContain("### Tier correlation (proxy vs full)");
    expect(body).toContain("| 4 | 1.00 | 1.00 | -0.0550 | 5.0% |");
    expect(body).not.toContain("Pearson r =");
  });

  it("gives the submission-ready verdict only for experiments with three or more full-tier seeds", () => {
    const rows = [
      ...[1.2101, 1.2104, 1.2099].map((v, i) => row("exp-004", "full", i, v)),
      ...[1.2241, 1.2243, 1.224].map((v, i) => row("exp-005", "full", i, v)),
      ...[1.15, 1.16].map((v, i) => row("exp-006", "full", i, v)),
      row("exp-007", "full", 1, null),
    ];
    const body = renderResultsIssue(model(rows));
    const section = body.split("### Submission-ready")[1]?.split("###")[0] ?? "";
    expect(section).toContain("- exp-004: ✅ **submission-ready** vs competitor SOTA 1.2244: better by");
    expect(section).toContain("- exp-005: not yet vs competitor SOTA 1.2244:");
    expect(section).toContain("the rule needs at least 0.0050 nats");
    expect(section).not.toContain("exp-006");
    expect(section).not.toContain("exp-007");
    expect(renderResultsIssue(model(rows.slice(6)))).not.toContain("### Submission-ready");
  });

  it("lists promotions with their state and, once settled, the measured cost", () => {
    const p = { experiment: "exp-004", pr: 9, sha: "abcdef0123456789", seeds: 3, requestedBy: "auto" };
    const body = renderResultsIssue(
      model([], {
        promotions: [
          { ...p, estimateUsd: 23.7, state: "settled", costUsd: 21.4 },
          { ...p, experiment: "exp-005", estimateUsd: 7.9, state: "dispatched", costUsd: null },
        ],
      }),
    );
    expect(body).toContain(
      "- [exp-004](../pull/9) `abcdef0`, 3 seed(s), settled, cost $21.40 (est. $23.70), by auto",
    );
    expect(body).toContain("- [exp-005](../pull/9) `abcdef0`, 3 seed(s), dispatched, est. $7.90, by auto");
  });
});
