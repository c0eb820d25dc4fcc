/** The competitor section the agent reads: SOTA and the best entries within a budget, fenced as data. */
import { fenceData } from "../core/fence-data.ts";
import type { Competitor, CompetitorsFile } from "./types.ts";

function line(c: Competitor): string {
  const facts = [
    `${c.seeds} seed${c.seeds === 1 ? "" : "s"}`,
    c.artifact_bytes === null ? "size unknown" : `${c.artifact_bytes} bytes`,
    c.state,
    ...c.flags.filter((f) => f !== "unmerged"),
  ];
  const what = c.techniques.length ? c.techniques.join(" + ") : (c.name ?? c.pr_title);
  return `- ${c.val_bpb.toFixed(4)} PR #${c.pr_number} (${facts.join(", ")}): ${what}`;
}

export function renderCompetitorContext(
  file: Pick<CompetitorsFile, "competitors" | "sota">,
  options: { top?: number; budget?: number } = {},
): string {
  const top = options.top ?? 10;
  const budget = options.budget ?? 4000;
  const label = "competitor pull requests to openai/parameter-golf";
  const sota = file.sota
    ? `SOTA (best merged record): ${file.sota.val_bpb.toFixed(4)} val_bpb, PR #${file.sota.pr_number}`
    : "SOTA: unknown";
  const ranked = file.competitors
    .filter((c) => !c.flags.includes("over_cap"))
    .slice()
    .sort((a, b) => a.val_bpb - b.val_bpb)
    .slice(0, top);
  const lines = [sota];
  for (const c of ranked) {
    const candidate = [...lines, line(c)].join("\n");
    if (fenceData(candidate, label).length > budget) break;
    lines.push(line(c));
  }
  const body = lines.join("\n");
  return fenceData(body, label).length <= budget ? fenceData(body, label) : "";
}
