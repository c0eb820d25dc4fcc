/**
 * The competitor table and SOTA line for the results issue. Logins and PR numbers are written as code spans
 * and the competitors' own words go through the one renderer (src/core/safe-markdown.ts): the bot must not
 * notify competitors or add cross-references to their pull requests.
 */
import { codeSpan as code, inline } from "../core/safe-markdown.ts";
import { competitorSota } from "./competitor-sota.ts";
import type { Competitor } from "./types.ts";

function bytes(n: number | null): string {
  return n === null ? "—" : n.toLocaleString("en-US");
}

export function renderCompetitorTable(
  competitors: readonly Competitor[],
  options: { top?: number } = {},
): string {
  const sota = competitorSota(competitors);
  const lines: string[] = [];
  lines.push(
    sota
      ? `**SOTA (best merged record):** ${sota.val_bpb.toFixed(4)} val_bpb, PR ${code(`#${sota.pr_number}`)}` +
          `${sota.pr_author ? ` by ${code(sota.pr_author)}` : ""}, ${sota.seeds} seed${sota.seeds === 1 ? "" : "s"}, ${bytes(sota.artifact_bytes)} bytes`
      : "**SOTA:** no merged record entry seen yet",
  );
  const rows = competitors
    .slice()
    .sort((a, b) => a.val_bpb - b.val_bpb || a.pr_number - b.pr_number)
    .slice(0, options.top ?? 25);
  if (rows.length === 0) return lines.join("\n");
  lines.push("", "| # | val_bpb | PR | Author | State | Seeds | Artifact bytes | Flags | Techniques |");
  lines.push("|--:|--:|---|---|---|--:|--:|---|---|");
  rows.forEach((c, i) => {
    const techniques = c.techniques.length ? c.techniques.join(" + ") : (c.name ?? "");
    lines.push(
      `| ${i + 1} | ${c.val_bpb.toFixed(4)} | ${code(`#${c.pr_number}`)} | ${c.pr_author ? code(c.pr_author) : "—"} | ${c.state} | ${c.seeds} | ${bytes(c.artifact_bytes)} | ${c.flags.join(", ") || "—"} | ${inline(techniques, 120)} |`,
    );
  });
  return lines.join("\n");
}
