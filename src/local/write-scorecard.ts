/** Writes the scorecard of a local run (markdown + SVG chart) beside results.tsv and notes.md. */
import path from "node:path";
import { flaggedRuns, renderChartSvg, renderScorecardMarkdown, scorecardPoints } from "../core/scorecard.ts";
import type { LedgerRow } from "../core/ledger.ts";
import type { TimeTotals } from "../core/run-timing.ts";
import type { CaddieConfig } from "../core/config.ts";
import { gainPairs, renderGainsByClass } from "../core/tier-gains.ts";
import { bestKept } from "../engine/history.ts";
import { noiseStatus, renderNoiseStatus } from "../engine/noise-status.ts";
import { atomicWrite } from "../io/files.ts";
import type { FileStore } from "./file-store.ts";

export interface ScorecardFiles {
  markdown: string;
  chart: string;
}

export async function writeScorecard(
  store: FileStore,
  input: {
    title: string;
    tier: string;
    wallSeconds: number | null;
    trainSeconds: number | null;
    /** Where the runs' wall time went. */
    time?: TimeTotals | null;
    /** The ledger when the caller already holds it, to skip reading results.tsv again. */
    ledger?: LedgerRow[];
    /** The config, for the noise section (sigma, runs, threshold); without it the section is left out. */
    config?: CaddieConfig;
  },
): Promise<ScorecardFiles> {
  const all = input.ledger ?? (await store.readLedger());
  const rows = all.filter((r) => r.tier === input.tier && r.status !== "backtrack");
  const points = scorecardPoints(rows);
  const chart = path.join(store.dir, "chart.svg");
  const markdown = path.join(store.dir, "scorecard.md");
  const best = bestKept(rows, input.tier);
  const baseline = points.find((p) => p.experiment === "exp-000")?.valBpb ?? null;
  await atomicWrite(chart, renderChartSvg(points, { title: input.title }));
  await atomicWrite(
    markdown,
    renderScorecardMarkdown({
      title: input.title,
      points,
      chartFile: "chart.svg",
      baseline,
      best: best ? { valBpb: best.valBpb, experiment: best.experiment, commit: best.commit } : null,
      notesFile: "notes.md",
      resultsFile: "results.tsv",
      wallSeconds: input.wallSeconds,
      trainSeconds: input.trainSeconds,
      time: input.time ?? null,
      ...(input.config ? { noiseLines: await noiseLines(store, all, input.config, input.tier) } : {}),
      flagged: flaggedRuns(rows),
    }),
  );
  return { markdown, chart };
}

/** The noise section, and the proxy-vs-longer gains by kind of change once a confirmation made some. */
async function noiseLines(
  store: FileStore,
  rows: LedgerRow[],
  config: CaddieConfig,
  tier: string,
): Promise<string[]> {
  const pairs = gainPairs(rows, (await store.readState()).experiments);
  return [
    ...renderNoiseStatus(noiseStatus(rows, config, tier), config),
    ...(pairs.length
      ? [
          "",
          renderGainsByClass(pairs, { rows, baseThreshold: config.thresholds.promoteGain }).replace(
            /^### /,
            "## ",
          ),
        ]
      : []),
  ];
}
