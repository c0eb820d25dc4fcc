/**
 * The demo's scorecard: a markdown page (and the chart it embeds) that says what the research loop did in
 * one glance: how many runs, how many kept, the baseline, the best and by how much, and what got there.
 */
import { describeFlags, type Flag } from "./flags.ts";
import { codeSpan, inline } from "./safe-markdown.ts";
import type { LedgerRow, RunStatus } from "./ledger.ts";
import type { TimeTotals } from "./run-timing.ts";
import type { ScorecardPoint } from "./scorecard-chart.ts";

export { renderChartSvg, type ScorecardPoint, type ChartOptions } from "./scorecard-chart.ts";

export interface ScorecardInput {
  title: string;
  points: ScorecardPoint[];
  /** Path of the chart SVG, relative to the markdown file. */
  chartFile: string;
  baseline: number | null;
  best: { valBpb: number; experiment: string; commit: string } | null;
  notesFile: string;
  resultsFile: string;
  /** Whole session, start to finish. */
  wallSeconds: number | null;
  /** Training-loop seconds by the logs' own clocks. */
  trainSeconds: number | null;
  /** Where the runs' wall time went (this session), when the runner measured it. */
  time?: TimeTotals | null;
  /** Lines on the noise behind the verdicts (sigma, runs, threshold, extra runs); none when absent. */
  noiseLines?: string[];
  /** Runs caddie would not trust, with the log's claim beside caddie's own score. */
  flagged?: FlaggedRun[];
}

export interface FlaggedRun {
  experiment: string;
  valBpb: number | null;
  claimedValBpb: number | null;
  flags: Flag[];
}

/** The flagged rows of a ledger, in order. */
export function flaggedRuns(rows: readonly LedgerRow[]): FlaggedRun[] {
  return rows
    .filter((r) => r.flags.length > 0)
    .map((r) => ({
      experiment: r.experiment,
      valBpb: r.val_bpb,
      claimedValBpb: r.claimed_val_bpb,
      flags: r.flags,
    }));
}

/** Runs caddie flagged, in words: why each one was not trusted. */
function flaggedTable(runs: FlaggedRun[]): string[] {
  if (runs.length === 0) return [];
  const score = (v: number | null) => (v === null ? "-" : v.toFixed(4));
  return [
    "## Flagged runs (never kept automatically)",
    "",
    "| Experiment | val_bpb (caddie) | Log claims | Why |",
    "|---|---:|---:|---|",
    ...runs.map(
      (r) =>
        `| ${inline(r.experiment)} | ${score(r.valBpb)} | ${score(r.claimedValBpb)} | ${inline(describeFlags(r.flags), 1000)} |`,
    ),
    "",
  ];
}

export function renderScorecardMarkdown(input: ScorecardInput): string {
  const { points, baseline, best } = input;
  const count = (status: RunStatus): number => points.filter((p) => p.status === status).length;
  const runs = points.length - count("backtrack");
  const rows: [string, string][] = [
    ["Runs", `${runs} (${count("keep")} kept, ${count("discard")} discarded, ${count("crash")} crashed)`],
  ];
  if ((input.flagged ?? []).length > 0) rows.push(["Flagged", String(input.flagged?.length ?? 0)]);
  if (count("backtrack") > 0) rows.push(["Backtracks", String(count("backtrack"))]);
  rows.push(["Baseline val_bpb", baseline === null ? "not measured" : baseline.toFixed(4)]);
  rows.push([
    "Best val_bpb",
    best === null
      ? "none yet"
      : `${best.valBpb.toFixed(4)} (${inline(best.experiment)}, ${codeSpan(best.commit)})`,
  ]);
  if (baseline !== null && best !== null) {
    const gain = baseline - best.valBpb;
    const percent = baseline === 0 ? "" : ` (${((gain / baseline) * 100).toFixed(2)}%)`;
    rows.push(["Gain over baseline", `${gain.toFixed(4)}${percent}`]);
  }
  if (input.trainSeconds !== null) rows.push(["Training time", duration(input.trainSeconds)]);
  if (input.wallSeconds !== null) rows.push(["Wall time", duration(input.wallSeconds)]);
  if (input.trainSeconds !== null && input.wallSeconds)
    rows.push(["Duty cycle (training loop / wall)", percent(input.trainSeconds / input.wallSeconds)]);

  const lines = [
    `# ${inline(input.title)}`,
    "",
    `![val_bpb per experiment, lower is better](${linkTarget(input.chartFile)})`,
    "",
    "| | |",
    "|---|---|",
    ...rows.map(([name, value]) => `| ${name} | ${value} |`),
    "",
    ...(input.noiseLines?.length ? ["## Noise", "", ...input.noiseLines, ""] : []),
    ...keptTable(points),
    ...timeTable(input.time ?? null, input.wallSeconds),
    ...flaggedTable(input.flagged ?? []),
    `Memory: [${inline(fileName(input.notesFile))}](${linkTarget(input.notesFile)}) (the agent's notes: best config, dead ends, ` +
      `what works, the experiment log). Every run: [${inline(fileName(input.resultsFile))}](${linkTarget(input.resultsFile)}).`,
  ];
  return lines.join("\n") + "\n";
}

/** Kept runs in order, each with its gain over the best kept before it: the path the loop took. */
function keptTable(points: ScorecardPoint[]): string[] {
  const kept = [...points]
    .sort((a, b) => a.index - b.index)
    .filter((p) => p.status === "keep" && p.valBpb !== null && Number.isFinite(p.valBpb));
  if (kept.length === 0) return [];
  let best: number | null = null;
  const rows = kept.map((p) => {
    const value = p.valBpb ?? 0;
    const change = best === null ? "baseline" : signed(value - best);
    best = best === null ? value : Math.min(best, value);
    return `| ${p.index} | ${inline(p.experiment)} | ${value.toFixed(4)} | ${change} | ${inline(p.description)} |`;
  });
  return [
    "## Kept experiments",
    "",
    "| # | Experiment | val_bpb | Change | Description |",
    "|---:|---|---:|---:|---|",
    ...rows,
    "",
  ];
}

/**
 * Where the session's wall time went: each phase of the training processes (start-up and compile,
 * the training loop, evaluation and serialization, exit), caddie's scoring step and its own work between
 * runs.
 */
function timeTable(time: TimeTotals | null, wallSeconds: number | null): string[] {
  if (time === null || time.runs === 0 || !wallSeconds) return [];
  const between = Math.max(0, wallSeconds - time.runSeconds - time.scoreSeconds);
  const rows: [string, number][] = [
    ["Start-up, compile, warm-up", time.phases.startup],
    ["Training loop", time.phases.training],
    ["Evaluation and serialization", time.phases.evaluation],
    ["Process exit", time.phases.exit],
    ["caddie's scoring step (its own re-score of every model)", time.scoreSeconds],
    ["caddie between runs (propose, measure, record)", between],
  ];
  return [
    "## Where the time went",
    "",
    `${time.runs} run(s); the logs' own training clocks count ${duration(time.trainLoopSeconds)}.`,
    "",
    "| Phase | Wall time | Share |",
    "|---|---:|---:|",
    ...rows.map(
      ([name, seconds]) => `| ${name} | ${duration(seconds)} | ${percent(seconds / wallSeconds)} |`,
    ),
    "",
  ];
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** "1h 02m", "4m 05s", "42s". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const [h, m, rest] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const pad = (n: number): string => String(n).padStart(2, "0");
  if (h > 0) return `${h}h ${pad(m)}m`;
  if (m > 0) return `${m}m ${pad(rest)}s`;
  return `${rest}s`;
}

function signed(value: number): string {
  return `${value > 0 ? "+" : ""}${value.toFixed(4)}`;
}

function fileName(path: string): string {
  return path.split("/").filter(Boolean).at(-1) ?? path;
}

/** Markdown link targets cannot hold spaces or parentheses raw. */
function linkTarget(path: string): string {
  return encodeURI(path).replace(/\(/g, "%28").replace(/\)/g, "%29");
}

/**
 * One chart point per experiment, in order of its first run: its value is the mean of its scored runs
 * (extra seeds, re-runs), which is what its verdict rested on.
 */
export function scorecardPoints(rows: readonly LedgerRow[]): ScorecardPoint[] {
  const groups = new Map<string, LedgerRow[]>();
  for (const r of rows) groups.set(r.experiment, [...(groups.get(r.experiment) ?? []), r]);
  return [...groups.values()].map((group, index) => {
    const first = group[0] as LedgerRow;
    const scores = group.map((r) => r.val_bpb).filter((v): v is number => v !== null);
    return {
      index,
      experiment: first.experiment,
      description: first.description,
      valBpb: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null,
      status: first.status,
      artifactBytes: first.artifact_bytes,
      seconds: group.reduce<number | null>(
        (sum, r) => (r.seconds === null ? sum : (sum ?? 0) + r.seconds),
        null,
      ),
    };
  });
}
