/**
 * The outside world as the agent reads it: competitor scores and graded research, from the files that
 * `caddie competitors sync` and `caddie research sync` keep in `<repo>/.caddie/`. The sections are built by
 * `outsideContextSections`, shared with the GitHub App; an absent file gives no section.
 */
import type { ContextSection } from "../core/context.ts";
import { outsideContextSections } from "../research/outside-context-sections.ts";
import { readCompetitorsFile, readResearchItems } from "../research/state-files.ts";

export async function outsideContext(dir: string): Promise<ContextSection[]> {
  const competitors = await readCompetitorsFile(dir);
  const { items } = await readResearchItems(dir);
  return outsideContextSections({ competitors, research: items });
}
