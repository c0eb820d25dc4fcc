/**
 * Every renderer of a page a person reads, on fixed inputs: the results issue, the sticky report, the
 * scorecard (markdown and SVG chart), the check run's summary and the action's job summary. The expected
 * output of each case is a checked-in file beside this one (`expected/`), compared byte for byte by
 * golden.test.ts and rewritten by `npm run golden` after a deliberate change (review the diff).
 */
import { gateArtifact } from "../../src/core/artifact-gate.ts";
import { claimMismatch, duplicateScore, unverified } from "../../src/core/flags.ts";
import type { LedgerRow } from "../../src/core/ledger.ts";
import { parseRunLog } from "../../src/core/parse-run-log.ts";
import { renderChartSvg } from "../../src/core/scorecard-chart.ts";
import { flaggedRuns, renderScorecardMarkdown, scorecardPoints } from "../../src/core/scorecard.ts";
import type { ActionResult } from "../../src/action/measure-run.ts";
import { crashResult } from "../../src/action/measure-run.ts";
import { renderActionSummary } from "../../src/action/render-summary.ts";
import { checkOutput, type CheckInput } from "../../src/github/check-run.ts";
import { renderReport } from "../../src/github/render-report.ts";
import { renderResultsIssue } from "../../src/github/render-results-issue.ts";
import { gainPairs, renderGainsByClass } from "../../src/core/tier-gains.ts";
import { sampleLog } from "../helpers/sample-logs.ts";
import { rootLog } from "../fakes/github/logs.ts";

const row = (i: number, over: Partial<LedgerRow>): LedgerRow => ({
  experiment: `exp-${String(i).padStart(3, "0")}`,
  commit: `${String(i).repeat(7)}abcdef0123456789`.slice(0, 40),
  tier: "proxy",
  seed: null,
  val_bpb: null,
  artifact_bytes: 15_000_000 + i * 10_000,
  memory_gb: 10.1,
  seconds: 300 + i,
  status: "keep",
  promoted: false,
  cost_usd: null,
  claimed_val_bpb: over.val_bpb ?? null,
  flags: [],
  description: "",
  ...over,
});

/** A session: baseline, keeps, discards, a crash, a backtrack and a promoted keep with its full-tier row. */
const ROWS: LedgerRow[] = [
  row(0, { val_bpb: 1.3012, description: "baseline" }),
  row(1, { val_bpb: 1.2931, description: "MATRIX_LR 0.04 -> 0.06" }),
  row(2, { val_bpb: 1.2987, status: "discard", description: "NUM_LAYERS 9 -> 10" }),
  row(3, { val_bpb: null, artifact_bytes: null, status: "crash", description: "NUM_HEADS 8 -> 7" }),
  row(4, { val_bpb: 1.2874, description: "warmdown 1200 -> 2400 | keeps the tail" }),
  row(5, { val_bpb: 1.2902, status: "discard", description: "MLP_MULT 2 -> 3" }),
  row(6, { val_bpb: 1.2855, promoted: true, description: "tied embeddings off" }),
  row(6, {
    tier: "full",
    seed: 1337,
    val_bpb: 1.2236,
    artifact_bytes: 15_870_000,
    cost_usd: 5.27,
    seconds: 600,
  }),
];

/** A flagged discard: its log printed a second, forged final score line. */
const FLAGGED: LedgerRow = row(7, {
  val_bpb: 1.3104,
  claimed_val_bpb: 0.6552,
  status: "discard",
  description: "a second final score line",
  flags: [
    duplicateScore("final_int8_zlib_roundtrip_exact", [1.3104, 0.6552]),
    claimMismatch(0.6552, 1.3104, 0.05),
  ],
});

/** What the local scorecard charts: one tier's rows (src/local/write-scorecard.ts filters the same way). */
const PROXY_ROWS = ROWS.filter((r) => r.tier === "proxy");

const check = (over: Partial<CheckInput>): string => {
  const out = checkOutput({
    sha: "6666666abcdef0123456789",
    experiment: "exp-006",
    measurement: null,
    rejected: null,
    verdict: null,
    reason: "",
    detailsUrl: "https://github.com/o/r/actions/runs/42",
    promotable: false,
    ...over,
  });
  return `${out.ok ? "success" : "failure"}: ${out.title}\n\n${out.summary}\n`;
};

const RAW = {
  log: "train.log",
  code: ["train_gpt.py"],
  model: "final_model.int8.ptz",
  limit: "",
  tier: "full",
  metricPattern: "",
  exitCode: "",
};

function actionOk(): ActionResult {
  const log = parseRunLog(sampleLog("full-baseline"));
  return {
    version: 1,
    status: "ok",
    tier: "full",
    error: null,
    val_bpb: 1.2251,
    claimed_val_bpb: log.val_bpb,
    flags: [],
    score: {
      status: "verified",
      reason: null,
      val_bpb: 1.2251,
      val_loss: 2.0712,
      tokens: 2_097_152,
      bytes: 5_033_164,
      context_len: 1024,
      contract: "adapter:root-train-gpt",
      causality: { probes: 8, max_abs_diff: 0, ok: true },
      sandbox: "bwrap",
      network: "blocked",
      seconds: 21.4,
      load_seconds: 6.2,
    },
    val_loss: log.val_loss,
    metric: log.metric,
    steps: log.steps,
    train_time_ms: log.train_time_ms,
    peak_memory_mib: log.peak_memory_mib,
    model_params: log.model_params,
    stopping_early: log.stopping_early,
    artifact: gateArtifact({
      codeBytes: 47_642,
      modelBytes: 15_815_847,
      logArtifactBytes: log.artifact_bytes,
    }),
    log,
    inputs: RAW,
  };
}

export const GOLDEN_CASES: Record<string, () => string> = {
  "results-issue.md": () =>
    renderResultsIssue({
      status: { kind: "running" },
      rows: [...ROWS, FLAGGED],
      pulls: Object.fromEntries([...PROXY_ROWS, FLAGGED].map((r, i) => [r.experiment, 10 + i])),
      open: [{ id: "exp-007", pr: 17, description: "GRAD_CLIP_NORM 0 -> 1" }],
      sota: { valBpb: 1.0611, label: "openai/parameter-golf#1855", url: null },
      budget: null,
      promotions: [
        {
          experiment: "exp-006",
          pr: 16,
          sha: "6666666abcdef0123456789",
          seeds: 1,
          requestedBy: "octocat",
          estimateUsd: 5.27,
          state: "settled",
          costUsd: 5.27,
        },
      ],
      // exp-004 (a warm-down change) was confirmed at 4x the proxy budget: one (proxy, longer) pair.
      gainsByClass: renderGainsByClass(
        gainPairs([...ROWS, FLAGGED], {
          "exp-004": {
            changeClass: "schedule",
            tierGain: { tier: "proxy@4x", proxyGain: 0.0057, gain: 0.0031 },
          },
          "exp-006": { changeClass: "model" },
        }),
        { rows: [...ROWS, FLAGGED], baseThreshold: 0.03 },
      ),
      deadEnds: ["NUM_LAYERS+ — discarded twice"],
      whatWorks: ["MATRIX_LR+ — 0.0081 — exp-001"],
      limitBytes: 16_000_000,
      stateUrl: "https://github.com/o/r/blob/caddie/state/results.tsv",
    }),
  "report-flagged.md": () =>
    renderReport({
      experiment: "exp-007",
      description: "a second final score line",
      runs: [
        {
          runId: 43,
          commit: "7777777abcdef",
          tier: "proxy",
          valBpb: 1.3104,
          claimedValBpb: 0.6552,
          flags: FLAGGED.flags.map((f) => f.message),
          artifactBytes: 15_070_000,
          seconds: 307,
          outcome: "discard",
          reason: "flagged, not kept: the log prints its final score line twice",
          runUrl: "https://github.com/o/r/actions/runs/43",
        },
      ],
      incumbent: { valBpb: 1.2855, experiment: "exp-006" },
      sota: null,
      limitBytes: 16_000_000,
    }),
  "report.md": () =>
    renderReport({
      experiment: "exp-006",
      description: "tied embeddings off",
      runs: [
        {
          runId: 41,
          commit: "5555555abcdef",
          tier: "proxy",
          valBpb: 1.2861,
          artifactBytes: 15_060_000,
          seconds: 305,
          outcome: "rerun",
          reason: "the line moved while it trained",
          runUrl: "https://github.com/o/r/actions/runs/41",
        },
        {
          runId: 42,
          commit: "6666666abcdef",
          tier: "proxy",
          valBpb: 1.2855,
          artifactBytes: 15_060_000,
          seconds: 306,
          outcome: "keep",
          reason: "better than exp-004 by 0.0019 (threshold 0.0010)",
          runUrl: "https://github.com/o/r/actions/runs/42",
        },
      ],
      incumbent: { valBpb: 1.2874, experiment: "exp-004" },
      sota: { valBpb: 1.0611, label: "openai/parameter-golf#1855" },
      limitBytes: 16_000_000,
    }),
  "scorecard.md": () =>
    renderScorecardMarkdown({
      title: "caddie scorecard: golden",
      points: scorecardPoints(PROXY_ROWS),
      chartFile: "scorecard.svg",
      baseline: 1.3012,
      best: { valBpb: 1.2855, experiment: "exp-006", commit: "6666666abcdef" },
      notesFile: "notes.md",
      resultsFile: "results.tsv",
      wallSeconds: 2_345,
      trainSeconds: 1_830,
      flagged: flaggedRuns([FLAGGED]),
    }),
  "scorecard.svg": () => renderChartSvg(scorecardPoints(PROXY_ROWS), { title: "val_bpb by experiment" }),
  "check-keep.md": () => {
    const summary = parseRunLog(sampleLog("full-baseline"));
    return check({
      measurement: {
        summary,
        gate: gateArtifact({
          codeBytes: 47_642,
          modelBytes: 15_815_847,
          logArtifactBytes: summary.artifact_bytes,
        }),
        valBpb: 1.2251,
        flags: [],
      },
      verdict: "keep",
      reason: "better than exp-004 by 0.0019 (threshold 0.0010)",
      incumbent: 1.227,
      promotable: true,
    });
  },
  "check-discard.md": () => {
    const summary = parseRunLog(rootLog(3.45));
    return check({
      measurement: {
        summary,
        gate: gateArtifact({
          codeBytes: 47_642,
          modelBytes: 7_952_858,
          logArtifactBytes: summary.artifact_bytes,
        }),
        valBpb: 3.45,
        flags: [],
      },
      verdict: "discard",
      reason: "not better than exp-004 (3.3000): worse by 0.1500",
      incumbent: 3.3,
    });
  },
  "check-crash.md": () =>
    check({
      measurement: {
        summary: parseRunLog(sampleLog("crash-bad-heads")),
        gate: null,
        valBpb: null,
        flags: [],
      },
      verdict: "crash",
      reason: "the run crashed",
    }),
  "check-flagged.md": () => {
    const summary = parseRunLog(sampleLog("full-baseline"));
    const flags = [claimMismatch(summary.val_bpb ?? 0, 3.6012, 0.05)];
    return check({
      measurement: {
        summary,
        gate: gateArtifact({
          codeBytes: 47_642,
          modelBytes: 15_815_847,
          logArtifactBytes: summary.artifact_bytes,
        }),
        valBpb: 3.6012,
        flags,
      },
      verdict: "discard",
      reason: `flagged, not kept: ${flags[0]?.message}`,
      promotable: true,
    });
  },
  "check-unverified.md": () => {
    const summary = parseRunLog(sampleLog("full-baseline"));
    const flags = [
      unverified("the model host exited with code 1 while loading the model: KeyError: 'tok_emb.weight'"),
    ];
    return check({
      measurement: { summary, gate: null, valBpb: null, flags },
      verdict: "discard",
      reason: `flagged, not kept: ${flags[0]?.message}`,
    });
  },
  "check-rejected.md": () => check({ rejected: "run.json: exit_code must be a whole number" }),
  "action-summary-ok.md": () => renderActionSummary(actionOk()),
  "action-summary-over-limit.md": () => {
    const ok = actionOk();
    const artifact = gateArtifact({ codeBytes: 47_642, modelBytes: 15_815_847, limit: 15_000_000 });
    return renderActionSummary({ ...ok, status: "over_limit", error: artifact.reason, artifact });
  },
  "action-summary-flagged.md": () => {
    const ok = actionOk();
    const flags = [claimMismatch(ok.claimed_val_bpb ?? 0, 3.6012, 0.05)];
    return renderActionSummary({
      ...ok,
      status: "flagged",
      val_bpb: 3.6012,
      flags,
      error: flags[0]?.message ?? null,
    });
  },
  "action-summary-crash.md": () =>
    renderActionSummary(crashResult(RAW, "proxy", "ValueError: model_dim must be divisible by num_heads")),
};
