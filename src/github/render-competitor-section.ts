/**
 * The competitor section of the results issue: the table of the best openai/parameter-golf records (rendered
 * by the CLI's own `renderCompetitorTable`), when the watch last synced, and what went wrong if it did.
 * Pure. Everything from outside passes through the table's cell escaping or `inline`, which defuse
 * @mentions and markup; PR numbers stay code spans so competitors' pull requests get no cross-references.
 */
import { renderCompetitorTable } from "../research/render-competitor-table.ts";
import type { CompetitorsFile } from "../research/types.ts";
import { inline } from "../core/safe-markdown.ts";

export interface CompetitorSection {
  /** competitors.json from caddie/state, or null when it is damaged. */
  file: CompetitorsFile | null;
  /** Why the stored file could not be read. */
  error: string | null;
}

/** Rows shown; the full list is competitors.json on caddie/state. */
export const COMPETITOR_ROWS = 10;

export function renderCompetitorSection(section: CompetitorSection): string {
  const lines = ["### Competitors (openai/parameter-golf)", ""];
  if (section.error !== null || section.file === null) {
    lines.push(
      `⚠️ ${inline(section.error ?? "competitors.json is unreadable", 300)} The next cron tick syncs again.`,
    );
    return [...lines, ""].join("\n");
  }
  const { file } = section;
  lines.push(renderCompetitorTable(file.competitors, { top: COMPETITOR_ROWS }), "");
  const when = file.synced_at ? `last synced ${inline(file.synced_at, 40)}` : "not synced yet";
  lines.push(
    `_${file.competitors.length} record entries, ${file.skipped.length} folder(s) skipped; ${when} (every 6 h on a cron tick)._`,
  );
  if (file.failures.length > 0) {
    lines.push("", "⚠️ The last sync did not finish cleanly (retried on a cron tick within the hour):");
    lines.push(...file.failures.slice(0, 5).map((f) => `- ${inline(f, 300)}`));
    if (file.failures.length > 5) lines.push(`- … and ${file.failures.length - 5} more`);
  }
  return [...lines, ""].join("\n");
}
