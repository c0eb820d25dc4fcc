/**
 * The job summary of the action: one markdown table of what was measured, then what went wrong. Pure; the
 * entry writes it once to $GITHUB_STEP_SUMMARY.
 */
import { codeSpan, inline } from "../core/safe-markdown.ts";
import type { ActionResult } from "./measure-run.ts";

const TITLES = { ok: "ok", over_limit: "over the limit", crash: "crash", flagged: "flagged" } as const;

export function renderActionSummary(r: ActionResult): string {
  const a = r.artifact;
  const dash = "-";
  const rows: [string, string][] = [
    ["val_bpb (caddie's own score)", r.val_bpb === null ? dash : String(r.val_bpb)],
    [
      "val_bpb the log claims",
      r.claimed_val_bpb === null
        ? dash
        : `${r.claimed_val_bpb}${r.metric ? ` (${codeSpan(r.metric.slice(0, 80), { table: true })})` : ""}`,
    ],
    [
      "Scoring step",
      r.score === null
        ? "none ran"
        : inline(
            `${String(r.score.status)} (sandbox ${String(r.score.sandbox ?? "?")}, network ${String(r.score.network ?? "?")})`,
            200,
          ),
    ],
    ["val_loss", r.val_loss === null ? dash : String(r.val_loss)],
    ["Code", a === null ? dash : `${n(a.code_bytes)} bytes`],
    ["Model", a === null ? dash : `${n(a.model_bytes)} bytes`],
    [
      "Total vs cap",
      a === null
        ? dash
        : `${n(a.artifact_bytes)} / ${n(a.limit)} bytes (${a.ok ? `${n(a.limit - a.artifact_bytes)} to spare` : `${n(a.artifact_bytes - a.limit)} over`})`,
    ],
    [
      "Steps",
      r.steps === null ? dash : `${n(r.steps)}${r.stopping_early ? " (stopped at the wall-clock cap)" : ""}`,
    ],
    ["Train time", r.train_time_ms === null ? dash : `${(r.train_time_ms / 1000).toFixed(1)} s`],
    ["Peak memory", r.peak_memory_mib === null ? dash : `${n(r.peak_memory_mib)} MiB`],
  ];
  const lines = [
    `### caddie: ${r.tier} tier, ${TITLES[r.status]}`,
    "",
    "| Measure | Value |",
    "|---|---|",
    // Every value is a number, caddie's own words, `inline` or a table code span: already cell-safe.
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    "",
  ];
  if (r.flags.length > 0)
    lines.push(
      "**Flagged** (never kept, merged or promoted automatically):",
      "",
      ...r.flags.map((f) => `- ${inline(f.message, 500)}`),
      "",
    );
  else if (r.error !== null)
    lines.push(`**${r.status === "crash" ? "Crash" : "Gate"}:** ${inline(r.error, 2000)}`, "");
  if (a?.mismatch) {
    lines.push(
      `**Note:** the log claims ${n(a.log_artifact_bytes ?? 0)} bytes; the gate uses the ${n(a.artifact_bytes)} bytes counted on disk.`,
      "",
    );
  }
  return lines.join("\n");
}

function n(x: number): string {
  return x.toLocaleString("en-US");
}
