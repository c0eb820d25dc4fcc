/**
 * The sticky report comment of an experiment pull request, rendered whole from state: the newest run on
 * top as a table against the incumbent and the competitor SOTA, older runs folded in <details>.
 */
import { duration } from "../core/scorecard.ts";
import { bpb, bytes, short, signed } from "./markdown.ts";
import { fitBody, GITHUB_LIMITS, inline } from "../core/safe-markdown.ts";
import { marker, REPORT_MARKER } from "./markers.ts";

export interface ReportRun {
  runId: number;
  commit: string;
  tier: string;
  /** caddie's own score. */
  valBpb: number | null;
  /** What the run's log claimed (absent in state written before caddie scored runs itself). */
  claimedValBpb?: number | null;
  /** The flags in words (absent or empty: none). */
  flags?: string[];
  artifactBytes: number | null;
  seconds: number | null;
  /** keep / discard / crash, or what happened instead of a decision. */
  outcome: "keep" | "discard" | "crash" | "rerun" | "rejected";
  reason: string;
  runUrl: string | null;
}

export interface ReportInput {
  experiment: string;
  description: string;
  /** Oldest first, as recorded. */
  runs: ReportRun[];
  incumbent: { valBpb: number; experiment: string } | null;
  sota: { valBpb: number; label: string } | null;
  limitBytes: number;
}

const OUTCOME: Record<ReportRun["outcome"], string> = {
  keep: "✅ keep",
  discard: "❌ discard",
  crash: "💥 crash",
  rerun: "🔁 re-run on the new base",
  rejected: "⚠️ result rejected",
};

/** A flagged discard stays open for a person: say what they can do. */
const FLAGGED_HINT =
  "Flagged: never merged or promoted automatically. A collaborator may `/keep` it anyway (recorded with their name) or `/discard` it.";

function link(run: ReportRun): string {
  return run.runUrl ? `[${short(run.commit)}](${run.runUrl})` : `\`${short(run.commit)}\``;
}

function gate(run: ReportRun, limit: number): string {
  if (run.artifactBytes === null) return "—";
  return `${bytes(run.artifactBytes)} ${run.artifactBytes <= limit ? "✅" : "❌ over the cap"}`;
}

export function renderReport(input: ReportInput): string {
  const lines = [
    marker(REPORT_MARKER, input.experiment),
    `### caddie · ${input.experiment}: ${inline(input.description, 200)}`,
    "",
  ];
  const runs = [...input.runs].reverse();
  const latest = runs[0];
  if (!latest) return [...lines, "Waiting for the training run."].join("\n");
  lines.push(`**${OUTCOME[latest.outcome]}** — ${inline(latest.reason, 500)}`, "");
  const flags = latest.flags ?? [];
  if (flags.length > 0) {
    if (latest.outcome === "discard") lines.push(FLAGGED_HINT, "");
    lines.push(...flags.map((f) => `- ⚠️ ${inline(f, 500)}`), "");
  }
  const vs = (reference: number | null) =>
    latest.valBpb === null || reference === null ? "—" : signed(latest.valBpb - reference);
  lines.push(
    `| | val_bpb (caddie) | log claims | Δ vs incumbent | Δ vs SOTA | artifact bytes (cap ${bytes(input.limitBytes)}) | train time |`,
    "|---|---:|---:|---:|---:|---:|---:|",
    `| this run (${link(latest)}, ${inline(latest.tier, 20)}) | ${bpb(latest.valBpb)} | ${bpb(latest.claimedValBpb ?? null)} | ${vs(input.incumbent?.valBpb ?? null)} | ${vs(input.sota?.valBpb ?? null)} | ${gate(latest, input.limitBytes)} | ${latest.seconds === null ? "—" : duration(latest.seconds)} |`,
  );
  if (input.incumbent)
    lines.push(
      `| incumbent (${inline(input.incumbent.experiment, 40)}) | ${bpb(input.incumbent.valBpb)} | | | | | |`,
    );
  if (input.sota)
    lines.push(`| competitor SOTA (${inline(input.sota.label, 80)}) | ${bpb(input.sota.valBpb)} | | | | | |`);
  const older = runs.slice(1);
  if (older.length > 0) {
    lines.push(
      "",
      `<details><summary>Earlier runs (${older.length})</summary>`,
      "",
      "| run | tier | val_bpb (caddie) | log claims | artifact bytes | outcome | reason |",
      "|---|---|---:|---:|---:|---|---|",
      ...older.map(
        (r) =>
          `| ${link(r)} | ${inline(r.tier, 20)} | ${bpb(r.valBpb)} | ${bpb(r.claimedValBpb ?? null)} | ${gate(r, input.limitBytes)} | ${OUTCOME[r.outcome]} | ${inline(r.reason, 200)} |`,
      ),
      "",
      "</details>",
    );
  }
  return fitBody(lines.join("\n"), GITHUB_LIMITS.commentBody);
}
