/**
 * The results issue, rendered whole from state (renovate's dashboard habit): loop status, best results,
 * competitor SOTA, budget, a mermaid xychart of val_bpb, the experiments table linking each pull request,
 * promotions, tier correlation, dead ends and what works. Pure; the body stays under a size budget by
 * folding the oldest experiment rows into a count.
 */
import { describeFlags } from "../core/flags.ts";
import type { LedgerRow } from "../core/ledger.ts";
import { bestKept } from "../engine/history.ts";
import { significanceVerdict, RECORD_MIN_SEEDS } from "../core/significance.ts";
import { renderTierCorrelation } from "../core/tier-correlation.ts";
import { bpb, bytes, short } from "./markdown.ts";
import { fitBody, GITHUB_LIMITS, inline } from "../core/safe-markdown.ts";
import { marker, RESULTS_MARKER } from "./markers.ts";
import { renderCompetitorSection, type CompetitorSection } from "./render-competitor-section.ts";

export const RESULTS_TITLE = "caddie results";
/** GitHub's limit is 65,536; stay well under it (renovate uses 60,000 too). */
export const RESULTS_BUDGET = 60_000;

export type LoopStatus =
  { kind: "running" } | { kind: "paused" } | { kind: "config-error"; error: string } | { kind: "dry-run" };

export interface ResultsModel {
  status: LoopStatus;
  rows: LedgerRow[];
  /** Experiment id -> pull request number. */
  pulls: Record<string, number>;
  /** Open experiments, id -> pull request. */
  open: { id: string; pr: number; description: string }[];
  sota: { valBpb: number; label: string; url: string | null } | null;
  /** The competitor watch's table and sync status; absent or null before the first sync. */
  competitors?: CompetitorSection | null;
  /** The rendered budget section (core renderBudget, with its own heading), or null without a config. */
  budget: string | null;
  promotions: {
    experiment: string;
    pr: number;
    sha: string;
    seeds: number;
    requestedBy: string;
    estimateUsd: number;
    /** reserved / dispatched / settled / released (absent: not tracked). */
    state?: string;
    costUsd?: number | null;
  }[];
  /** thresholds.promote_gain, the base the tier correlation scales (default 0.03). */
  promoteGain?: number;
  /** The (proxy gain, longer gain) pairs by kind of change (core/tier-gains.ts), rendered. */
  gainsByClass?: string;
  /** The noise behind the verdicts (engine/noise-status.ts), one markdown line each. */
  noise?: string[];
  deadEnds: string[];
  whatWorks: string[];
  limitBytes: number;
  /** The state branch, linked for the full ledger. */
  stateUrl: string;
}

function statusLine(status: LoopStatus): string {
  switch (status.kind) {
    case "running":
      return "🟢 **running** — comment `/pause` here to stop new experiments.";
    case "paused":
      return "⏸️ **paused** — comment `/resume` here to continue.";
    case "dry-run":
      return "🧪 **dry run** — `dry_run: true` in `.github/caddie.yml`: nothing is written or spent.";
    case "config-error":
      return `🔴 **config error** — caddie cannot act and does nothing until this is fixed (in \`.github/caddie.yml\`, the files it names, or the App's environment):\n\n> ${inline(status.error, 1000)}`;
  }
}

/** The incumbent of a tier (the kept experiment with the best mean over its runs), as a row with that mean. */
function best(rows: LedgerRow[], tier: string): LedgerRow | null {
  const incumbent = bestKept(rows, tier);
  const row = incumbent && rows.find((r) => r.tier === tier && r.experiment === incumbent.experiment);
  return row ? { ...row, val_bpb: incumbent.valBpb } : null;
}

function prLink(id: string, pulls: Record<string, number>): string {
  const pr = pulls[id];
  return pr === undefined ? inline(id, 40) : `[${inline(id, 40)}](../pull/${pr})`;
}

/** A mermaid xychart of proxy val_bpb per scored run and the running best (the last 100 runs). */
export function renderChart(rows: LedgerRow[], tier = "proxy"): string {
  const scored = rows.filter((r) => r.tier === tier && r.val_bpb !== null).slice(-100);
  if (scored.length < 2) return "";
  const values = scored.map((r) => r.val_bpb ?? 0);
  let running = Infinity;
  const bestSoFar = scored.map((r) => {
    if (r.status === "keep") running = Math.min(running, r.val_bpb ?? Infinity);
    return Number.isFinite(running) ? running : (r.val_bpb ?? 0);
  });
  const lo = Math.min(...values, ...bestSoFar);
  const hi = Math.max(...values, ...bestSoFar);
  const pad = Math.max((hi - lo) * 0.1, 0.001);
  const fmt = (v: number) => v.toFixed(4);
  return [
    "```mermaid",
    "xychart-beta",
    `    title "val_bpb per ${tier} run (lower is better)"`,
    `    x-axis "run" [${scored.map((_, i) => i + 1).join(", ")}]`,
    `    y-axis "val_bpb" ${fmt(lo - pad)} --> ${fmt(hi + pad)}`,
    `    bar [${values.map(fmt).join(", ")}]`,
    `    line [${bestSoFar.map(fmt).join(", ")}]`,
    "```",
  ].join("\n");
}

/**
 * The submission-ready verdict for each experiment with enough full-tier seeds, against the competitor
 * SOTA (one published score) or, without one, the baseline's full-tier seeds.
 */
function submissionReady(rows: LedgerRow[], sota: ResultsModel["sota"]): string {
  const seeds = new Map<string, { seed: number | null; val_bpb: number; val_loss: null }[]>();
  for (const r of rows) {
    if (r.tier !== "full" || r.status === "crash" || r.val_bpb === null || !(r.val_bpb > 0)) continue;
    // A flagged seed is no evidence for a record.
    if (r.flags.length > 0) continue;
    seeds.set(r.experiment, [
      ...(seeds.get(r.experiment) ?? []),
      { seed: r.seed, val_bpb: r.val_bpb, val_loss: null },
    ]);
  }
  const baseline = seeds.get("exp-000") ?? [];
  const against = sota
    ? {
        label: `competitor SOTA ${bpb(sota.valBpb)}`,
        scores: [{ seed: null, val_bpb: sota.valBpb, val_loss: null }],
      }
    : baseline.length > 0
      ? { label: `the baseline's ${baseline.length} full-tier seed(s)`, scores: baseline }
      : null;
  const lines: string[] = [];
  for (const [experiment, candidate] of seeds) {
    if (candidate.length < RECORD_MIN_SEEDS || experiment === "exp-000") continue;
    if (!against) {
      lines.push(
        `- ${inline(experiment, 40)}: no competitor SOTA or full-tier baseline to compare with yet.`,
      );
      continue;
    }
    const v = significanceVerdict({ candidate, incumbent: against.scores });
    lines.push(
      `- ${inline(experiment, 40)}: ${v.ready ? "✅ **submission-ready**" : "not yet"} vs ${against.label}: ${v.reason}.`,
    );
  }
  if (lines.length === 0) return "";
  return ["### Submission-ready (record rule: >= 0.005 nats at p < 0.01)", "", ...lines, ""].join("\n");
}

function promotionLine(p: ResultsModel["promotions"][number]): string {
  const money =
    p.state === "settled" && p.costUsd !== undefined && p.costUsd !== null
      ? `cost $${p.costUsd.toFixed(2)} (est. $${p.estimateUsd.toFixed(2)})`
      : `est. $${p.estimateUsd.toFixed(2)}`;
  const state = p.state ? `${p.state}, ` : "";
  return `- [${inline(p.experiment, 40)}](../pull/${p.pr}) \`${short(p.sha)}\`, ${p.seeds} seed(s), ${state}${money}, by ${inline(p.requestedBy, 40)}`;
}

function experimentRows(rows: LedgerRow[], pulls: Record<string, number>, limit: number): string[] {
  return [...rows].reverse().map((r) => {
    const gate =
      r.artifact_bytes === null ? "—" : `${bytes(r.artifact_bytes)}${r.artifact_bytes > limit ? " ❌" : ""}`;
    const flags = r.flags.length === 0 ? "" : `⚠️ ${inline(describeFlags(r.flags), 300)}`;
    return `| ${prLink(r.experiment, pulls)} | ${inline(r.tier, 12)} | \`${short(r.commit)}\` | ${bpb(r.val_bpb)} | ${bpb(r.claimed_val_bpb)} | ${gate} | ${r.status}${r.promoted ? " 🚀" : ""} | ${flags} | ${inline(r.description, 120)} |`;
  });
}

function list(items: string[], empty: string): string {
  return items.length === 0 ? `_${empty}_` : items.map((i) => `- ${inline(i, 300)}`).join("\n");
}

export function renderResultsIssue(model: ResultsModel): string {
  const proxy = best(model.rows, "proxy");
  const full = best(model.rows, "full");
  const head = [
    marker(RESULTS_MARKER),
    `## ${RESULTS_TITLE}`,
    "",
    statusLine(model.status),
    "",
    "| | val_bpb | experiment | artifact bytes |",
    "|---|---:|---|---:|",
    `| best proxy | ${bpb(proxy?.val_bpb ?? null)} | ${proxy ? prLink(proxy.experiment, model.pulls) : "—"} | ${proxy?.artifact_bytes ? bytes(proxy.artifact_bytes) : "—"} |`,
    `| best full (8xH100) | ${bpb(full?.val_bpb ?? null)} | ${full ? prLink(full.experiment, model.pulls) : "—"} | ${full?.artifact_bytes ? bytes(full.artifact_bytes) : "—"} |`,
    `| competitor SOTA | ${bpb(model.sota?.valBpb ?? null)} | ${model.sota ? (model.sota.url ? `[${inline(model.sota.label, 80)}](${model.sota.url})` : inline(model.sota.label, 80)) : "—"} | |`,
    "",
    model.budget ??
      "### Budget\n\n_No budget set (`budget.total_usd` in `.github/caddie.yml`): promotions to 8xH100 are refused._\n",
  ];
  if (model.noise?.length) head.push("### Noise", "", ...model.noise, "");
  const chart = renderChart(model.rows);
  if (chart) head.push("### val_bpb over experiments", "", chart, "");
  if (model.competitors) head.push(renderCompetitorSection(model.competitors));
  if (model.open.length > 0) {
    head.push(
      "### In flight",
      "",
      ...model.open.map((o) => `- [${inline(o.id, 40)}](../pull/${o.pr}) ${inline(o.description, 200)}`),
      "",
    );
  }
  const tail = [
    "### Promotions",
    "",
    model.promotions.length === 0
      ? "_None yet. Comment `/promote` on an experiment pull request._"
      : model.promotions.map(promotionLine).join("\n"),
    "",
    renderTierCorrelation(model.rows, { baseThreshold: model.promoteGain ?? 0.03 }),
    model.gainsByClass ?? "",
    submissionReady(model.rows, model.sota),
    "### What works",
    "",
    list(model.whatWorks, "Nothing kept yet."),
    "",
    "### Dead ends",
    "",
    list(model.deadEnds, "None yet."),
    "",
    "---",
    `Full ledger: [results.tsv on caddie/state](${model.stateUrl}). Rendered by caddie from state; edits here are overwritten.`,
  ];
  const tableHead = [
    "### Experiments",
    "",
    "| experiment | tier | commit | val_bpb (caddie) | log claims | artifact bytes | status | flags | description |",
    "|---|---|---|---:|---:|---:|---|---|---|",
  ];
  const rows = experimentRows(model.rows, model.pulls, model.limitBytes);
  const fixed = [...head, ...tableHead, ...tail].join("\n").length + 200;
  // Newest rows first; the oldest are folded into a count when the body would pass the budget.
  let kept = rows.length;
  let size = fixed + rows.reduce((n, r) => n + r.length + 1, 0);
  while (kept > 0 && size > RESULTS_BUDGET) {
    kept--;
    size -= (rows[kept]?.length ?? 0) + 1;
  }
  const folded = rows.length - kept;
  const table = rows.length === 0 ? ["_No runs yet._"] : [...tableHead.slice(2), ...rows.slice(0, kept)];
  if (folded > 0) table.push("", `_${folded} older run(s) folded: see results.tsv._`);
  return fitBody(
    [...head, ...tableHead.slice(0, 2), ...table, "", ...tail].join("\n"),
    GITHUB_LIMITS.issueBody,
  );
}
