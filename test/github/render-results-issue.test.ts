import { describe, expect, it } from "vitest";
import type { LedgerRow } from "../../src/core/ledger.ts";
import {
  RESULTS_BUDGET,
  renderChart,
  renderResultsIssue,
  type ResultsModel,
} from "../../src/github/render-results-issue.ts";

function row(i: number, over: Partial<LedgerRow> = {}): LedgerRow {
  return {
    experiment: `exp-${String(i).padStart(3, "0")}`,
    commit: `${String(i).padStart(7, "0")}aaaaaaaa`,
    tier: "proxy",
    seed: null,
    val_bpb: 1.3 - i * 0.001,
    artifact_bytes: 15_000_000,
    memory_gb: null,
    seconds: 300,
    status: i % 3 === 0 ? "discard" : "keep",
    promoted: false,
    cost_usd: null,
    claimed_val_bpb: null,
    flags: [],
    description: `change number ${i}`,
    ...over,
  };
}

function model(rows: LedgerRow[], over: Partial<ResultsModel> = {}): ResultsModel {
  return {
    status: { kind: "running" },
    rows,
    pulls: Object.fromEntries(rows.map((r, i) => [r.experiment, i + 1])),
    open: [],
    sota: {
      valBpb: 1.0611,
      label: "openai/parameter-golf#1",
      url: "https://github.com/openai/parameter-golf/pull/1",
    },
    budget: null,
    promotions: [],
    deadEnds: ["depth+ — three discards in a row"],
    whatWorks: ["lr- — 0.004 — exp-002"],
    limitBytes: 16_000_000,
    stateUrl: "https://github.com/o/r/blob/caddie/state/results.tsv",
    ...over,
  };
}

describe("renderResultsIssue", () => {
  it("renders the marker, status, best results, SOTA, chart, linked experiments and memory sections", () => {
    const body = renderResultsIssue(model([row(0), row(1), row(2, { status: "discard", val_bpb: 1.4 })]));
    expect(body.startsWith("<!-- caddie:results-issue -->\n## caddie results")).toBe(true);
    expect(body).toContain("🟢 **running**");
    expect(body).toContain("| best proxy | 1.2990 | [exp-001](../pull/2) | 15,000,000 |");
    expect(body).toContain(
      "| competitor SOTA | 1.0611 | [openai/parameter-golf#\u200b1](https://github.com/openai/parameter-golf/pull/1) | |",
    );
    expect(body).toContain(
      "| [exp-002](../pull/3) | proxy | `0000002` | 1.4000 | — | 15,000,000 | discard |  | change number 2 |",
    );
    expect(body).toContain("- depth+ — three discards in a row");
    expect(body).toContain("- lr- — 0.004 — exp-002");
    expect(body).toContain("xychart-beta");
    expect(renderResultsIssue(model([row(0), row(1)]))).toBe(renderResultsIssue(model([row(0), row(1)])));
  });

  it("stays under the size budget by folding the oldest rows, keeping the newest", () => {
    const rows = Array.from({ length: 2000 }, (_, i) => row(i));
    const body = renderResultsIssue(model(rows));
    expect(body.length).toBeLessThan(RESULTS_BUDGET);
    expect(body).toContain("[exp-1999](../pull/2000)");
    expect(body).not.toContain("[exp-000](../pull/1) | proxy");
    expect(body).toMatch(/_\d+ older run\(s\) folded: see results.tsv._/);
  });

  it("shows a config error in place of the loop status", () => {
    const body = renderResultsIssue(
      model([], { status: { kind: "config-error", error: "config: 'concurrency' must be a number" } }),
    );
    expect(body).toContain("🔴 **config error**");
    expect(body).toContain("> config: 'concurrency' must be a number");
    expect(body).toContain("_No runs yet._");
  });

  it("escapes table-breaking and mentioning text from the model", () => {
    const body = renderResultsIssue(model([row(0, { description: "pipes | and @octocat\nnewline" })]));
    expect(body).toContain("pipes \\| and @\u200boctocat newline");
  });
});

describe("renderChart", () => {
  it("plots each scored run as a bar and the best kept so far as a line", () => {
    const chart = renderChart([
      row(0, { val_bpb: 1.3 }),
      row(1, { val_bpb: 1.25 }),
      row(2, { val_bpb: 1.4, status: "discard" }),
    ]);
    expect(chart).toContain("    bar [1.3000, 1.2500, 1.4000]");
    expect(chart).toContain("    line [1.3000, 1.2500, 1.2500]");
    expect(chart).toContain('x-axis "run" [1, 2, 3]');
  });

  it("draws nothing with fewer than two scores", () => {
    expect(renderChart([row(0)])).toBe("");
  });
});
