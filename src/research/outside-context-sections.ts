/**
 * The outside world as the agent reads it, in both front doors: competitor scores and graded research as
 * context sections. The renderers sanitize and fence the text as data; each body is rendered to fit its
 * section's budget with the heading counted, so the context assembler never cuts a fence in half.
 * The CLI reads the files from `.caddie/`, the GitHub App from `caddie/state`; both call this.
 */
import type { ContextSection } from "../core/context.ts";
import { renderCompetitorContext } from "./render-competitor-context.ts";
import { renderResearchContext } from "./render-research-context.ts";
import type { CompetitorsFile, ResearchItem } from "./types.ts";

export const COMPETITORS_SECTION = { title: "Competitors (openai/parameter-golf)", budget: 4000 } as const;
export const RESEARCH_SECTION = { title: "Research", budget: 6000 } as const;

/** `## title\n\n` before the body, with the blank line that separates it from what precedes it. */
function room(section: { title: string; budget: number }): number {
  return section.budget - `\n\n## ${section.title}\n\n`.length;
}

export function outsideContextSections(input: {
  competitors: Pick<CompetitorsFile, "competitors" | "sota"> | null;
  research: readonly ResearchItem[];
}): ContextSection[] {
  const sections: ContextSection[] = [];
  if (input.competitors && input.competitors.competitors.length > 0) {
    const body = renderCompetitorContext(input.competitors, { budget: room(COMPETITORS_SECTION) });
    if (body) sections.push({ ...COMPETITORS_SECTION, body });
  }
  if (input.research.length > 0) {
    const body = renderResearchContext(input.research, { budget: room(RESEARCH_SECTION) });
    if (body) sections.push({ ...RESEARCH_SECTION, body });
  }
  return sections;
}
