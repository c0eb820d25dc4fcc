/**
 * What the App's proposer reads from outside, the same sections as the CLI's (`outsideContextSections`):
 * competitors from `competitors.json` and research items from `research.jsonl` on `caddie/state`, sanitized
 * and fenced as data by the shared renderers. A damaged file is logged and left out, never guessed at.
 */
import type { Logger } from "probot";
import type { ContextSection } from "../core/context.ts";
import { outsideContextSections } from "../research/outside-context-sections.ts";
import { parseResearchItems, RESEARCH_FILE } from "../research/state-files.ts";
import type { GitHubStore } from "./github-store.ts";
import { storedCompetitors } from "./watch-competitors.ts";

export function stateOutsideContext(store: GitHubStore, log: Logger): ContextSection[] {
  const competitors = storedCompetitors(store);
  if (competitors.error)
    log.warn({ error: competitors.error }, "competitors left out of the agent's context");
  const researchText = store.text(RESEARCH_FILE);
  const research = researchText === undefined ? { items: [], badLines: 0 } : parseResearchItems(researchText);
  if (research.badLines > 0)
    log.warn({ badLines: research.badLines }, `${RESEARCH_FILE} on caddie/state has damaged lines; skipped`);
  return outsideContextSections({ competitors: competitors.file, research: research.items });
}
