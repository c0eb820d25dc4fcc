/**
 * The research section the agent reads: the top items by grade (then by relevance when ungraded) within a
 * character budget (the seed's 12 items / 12,000 characters), fenced as untrusted data. Items whose
 * verification rejected them are left out; verified items carry their implementation brief.
 */
import { fenceData } from "../core/fence-data.ts";
import type { ResearchItem } from "./types.ts";

export interface ResearchContextOptions {
  top?: number;
  /** Characters for the whole rendered section, fence and header included. */
  budget?: number;
}

function score(item: ResearchItem): number {
  return item.verification?.total ?? item.grade?.total ?? -1;
}

function block(item: ResearchItem, summaryChars: number): string {
  const tag = item.verification
    ? `[${item.verification.tier} ${item.verification.total} verified]`
    : item.grade
      ? `[${item.grade.tier} ${item.grade.total}/${item.grade.max}]`
      : `[ungraded, relevance ${item.relevance.toFixed(2)}]`;
  const where = [item.source, item.published?.slice(0, 10), item.url].filter((x) => x).join(" · ");
  const summary = item.summary.replace(/\s+/g, " ").trim();
  const cut =
    summary.length > summaryChars ? `${summary.slice(0, Math.max(0, summaryChars - 1)).trimEnd()}…` : summary;
  const lines = [`### ${tag} ${item.title}`, where];
  if (cut) lines.push(cut);
  if (item.grade?.rationale) lines.push(`Why: ${item.grade.rationale}`);
  if (item.verification?.brief) lines.push(`Brief: ${item.verification.brief}`);
  return lines.join("\n");
}

export function renderResearchContext(
  items: readonly ResearchItem[],
  options: ResearchContextOptions = {},
): string {
  const top = options.top ?? 12;
  const budget = options.budget ?? 12_000;
  const ranked = items
    .filter((i) => i.verification?.verdict !== "rejected")
    .slice()
    .sort((a, b) => score(b) - score(a) || b.relevance - a.relevance || a.id.localeCompare(b.id))
    .slice(0, top);
  if (ranked.length === 0) return "";
  const frame = fenceData("", "research papers and posts from outside sources").length + 2;
  const blocks: string[] = [];
  let used = frame;
  for (const item of ranked) {
    let text = block(item, 600);
    // The fence may grow by one backtick per level; leave a little room for it.
    const room = budget - used - 8;
    if (text.length + 2 > room) {
      const over = text.length + 2 - room;
      const shorter = block(item, Math.max(0, 600 - over));
      if (shorter.length + 2 > room || room < 200) break;
      text = shorter;
    }
    blocks.push(text);
    used += text.length + 2;
  }
  if (blocks.length === 0) return "";
  return fenceData(blocks.join("\n\n"), "research papers and posts from outside sources");
}
