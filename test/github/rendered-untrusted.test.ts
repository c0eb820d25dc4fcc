/**
 * Every field the bot renders on GitHub from untrusted text (the model's words, run logs, artifacts,
 * competitors' summaries) goes through the one renderer: no mention, reference, image or link survives,
 * and every body fits GitHub's limits.
 */
import { describe, expect, it } from "vitest";
import type { LedgerRow } from "../../src/core/ledger.ts";
import { GITHUB_LIMITS } from "../../src/core/safe-markdown.ts";
import { checkPost } from "../../src/github/check-run.ts";
import { commitMessage } from "../../src/engine/commit-message.ts";
import { renderPullBody } from "../../src/github/open-experiment.ts";
import { renderReport } from "../../src/github/render-report.ts";
import { renderResultsIssue, type ResultsModel } from "../../src/github/render-results-issue.ts";
import { renderCompetitorTable } from "../../src/research/render-competitor-table.ts";
import type { Competitor } from "../../src/research/types.ts";
import { expectDefused, HOSTILE } from "../helpers/hostile.ts";

const proposal = {
  description: HOSTILE,
  direction: HOSTILE,
  reasoning: { hypothesis: HOSTILE, evidence: HOSTILE, risk: HOSTILE },
  edits: [],
};

const row = (over: Partial<LedgerRow> = {}): LedgerRow => ({
  experiment: "exp-001",
  commit: "a".repeat(40),
  tier: "proxy",
  seed: null,
  val_bpb: 1.3,
  artifact_bytes: 15_000_000,
  memory_gb: null,
  seconds: 300,
  status: "keep",
  promoted: false,
  cost_usd: null,
  claimed_val_bpb: null,
  flags: [{ code: "unverified", message: HOSTILE }],
  description: HOSTILE,
  ...over,
});

describe("untrusted text rendered on GitHub", () => {
  it("the pull request body (REASONING, direction) and the commit message", () => {
    expectDefused(renderPullBody("exp-001", proposal));
    expectDefused(commitMessage("exp-001", proposal), { markdown: false });
  });

  it("the check run: a rejected artifact's reason, a log's error, the decision's reason", () => {
    const rejected = checkPost({
      sha: "b".repeat(40),
      experiment: "exp-001",
      measurement: null,
      rejected: HOSTILE,
      verdict: null,
      reason: HOSTILE,
      detailsUrl: null,
      promotable: false,
    });
    expectDefused(rejected.summary);
    const crashed = checkPost({
      sha: "b".repeat(40),
      experiment: "exp-001",
      measurement: {
        summary: { status: "crash", val_bpb: null, error: HOSTILE } as never,
        gate: null,
        valBpb: null,
        flags: [{ code: "unverified", message: HOSTILE }],
      },
      rejected: null,
      verdict: HOSTILE,
      reason: HOSTILE,
      detailsUrl: null,
      promotable: false,
    });
    expectDefused(crashed.title, { markdown: false });
    expectDefused(crashed.summary);
  });

  it("the check summary fits GitHub's 65,535 characters whatever the run uploaded (a 70k-character run.json key)", () => {
    const key = "k".repeat(70_000);
    const post = checkPost({
      sha: "b".repeat(40),
      experiment: "exp-001",
      measurement: null,
      rejected: `run.json has unknown fields: ${[key, key, key].join(", ")}`,
      verdict: null,
      reason: key,
      detailsUrl: null,
      promotable: false,
    });
    expect(post.summary.length).toBeLessThanOrEqual(GITHUB_LIMITS.checkSummary);
    expect(post.title.length).toBeLessThanOrEqual(GITHUB_LIMITS.checkTitle);
  });

  it("the sticky report: description, reasons, tier, incumbent and SOTA labels; the whole within a comment", () => {
    const run = {
      runId: 1,
      commit: "c".repeat(40),
      tier: HOSTILE,
      valBpb: 1.3,
      artifactBytes: 1,
      seconds: 1,
      outcome: "discard" as const,
      reason: HOSTILE,
      runUrl: null,
    };
    const body = renderReport({
      experiment: "exp-001",
      description: HOSTILE,
      runs: Array.from({ length: 800 }, (_, i) => ({ ...run, runId: i })),
      incumbent: { valBpb: 1.2, experiment: HOSTILE },
      sota: { valBpb: 1.1, label: `openai/parameter-golf#77 ${HOSTILE}` },
      limitBytes: 16_000_000,
    });
    expectDefused(body);
    expect(body).not.toMatch(/parameter-golf#77/);
    expect(body.length).toBeLessThanOrEqual(GITHUB_LIMITS.commentBody);
  });

  it("the results issue: descriptions, notes, in-flight list, config error, promotions, competitors", () => {
    const competitor = {
      pr_number: 5,
      pr_author: "someone",
      state: "merged",
      val_bpb: 1.1,
      seeds: 3,
      artifact_bytes: 15_000_000,
      flags: [],
      techniques: [HOSTILE],
      name: HOSTILE,
    } as unknown as Competitor;
    const model: ResultsModel = {
      status: { kind: "config-error", error: HOSTILE },
      rows: [row(), row({ experiment: "exp-002", tier: HOSTILE })],
      pulls: { "exp-001": 1 },
      open: [{ id: "exp-003", pr: 3, description: HOSTILE }],
      sota: { valBpb: 1.1, label: HOSTILE, url: null },
      competitors: {
        file: {
          competitors: [competitor],
          skipped: [],
          failures: [HOSTILE],
          synced_at: HOSTILE,
        } as never,
        error: null,
      },
      budget: null,
      promotions: [
        {
          experiment: "exp-001",
          pr: 1,
          sha: "d".repeat(40),
          seeds: 1,
          requestedBy: HOSTILE,
          estimateUsd: 1,
        },
      ],
      deadEnds: [HOSTILE],
      whatWorks: [HOSTILE],
      limitBytes: 16_000_000,
      stateUrl: "https://github.com/o/r/blob/caddie/state/results.tsv",
    };
    const body = renderResultsIssue(model);
    expectDefused(body);
    expect(body.length).toBeLessThanOrEqual(GITHUB_LIMITS.issueBody);
    expectDefused(renderCompetitorTable([competitor]));
  });
});
