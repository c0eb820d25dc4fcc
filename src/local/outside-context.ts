/**
 * The outside world as the agent reads it: competitor scores and graded research, from the files that
 * `caddie competitors sync` and `caddie research sync` keep in `<repo>/.caddie/`. Both are sanitized and
 * fenced as data by their renderers; an absent file gives no section.
 */
import type { ContextSection } from "../core/context.ts";
import { renderCompetitorContext } from "../research/render-competitor-context.ts";
import { renderResearchContext } from "../research/render-research-context.ts";
import { readCompetitorsFile, readResearchItems } from "../research/state-files.ts";

export async function outsideContext(dir: string): Promise<ContextSection[]> {
  const sections: ContextSection[] = [];
  const competitors = await readCompetitorsFile(dir);
  if (competitors.competitors.length > 0)
    sections.push({
      title: "Competitors (openai/parameter-golf)",
      body: renderCompetitorContext(competitors),
      budget: 4000,
    });
  const { items } = await readResearchItems(dir);
  if (items.length > 0)
    sections.push({ title: "Research", body: renderResearchContext(items, { budget: 6000 }), budget: 6000 });
  return sections;
}
