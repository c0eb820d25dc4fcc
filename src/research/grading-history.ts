/** What the grader knows about the state of play, rebuilt from our results and competitor data each time. */
import { techniqueMap, type TechniqueRow } from "./technique-map.ts";
import type { Competitor, CompetitorsFile } from "./types.ts";

export interface GradingHistory {
  /** Our best kept val_bpb, or null before the first keep. */
  currentBest: number | null;
  proven: string[];
  deadEnds: string[];
  /** The last few discarded or crashed experiments, newest last. */
  failed: TechniqueRow[];
  /** Best competitor entries first (within the cap). */
  competitors: Competitor[];
  sota: Competitor | null;
}

export const MAX_FAILED_IN_PROMPT = 10;
export const MAX_COMPETITORS_IN_PROMPT = 10;

export function gradingHistory(
  rows: readonly TechniqueRow[],
  competitors: CompetitorsFile | null,
): GradingHistory {
  const kept = rows
    .filter((r) => r.status === "keep" && r.val_bpb !== null)
    .map((r) => r.val_bpb ?? Infinity);
  const map = techniqueMap(rows);
  return {
    currentBest: kept.length ? Math.min(...kept) : null,
    proven: map.proven.map((e) => e.technique),
    deadEnds: map.dead_end.map((e) => e.technique),
    failed: rows.filter((r) => r.status === "discard" || r.status === "crash").slice(-MAX_FAILED_IN_PROMPT),
    competitors: (competitors?.competitors ?? [])
      .filter((c) => !c.flags.includes("over_cap"))
      .slice()
      .sort((a, b) => a.val_bpb - b.val_bpb)
      .slice(0, MAX_COMPETITORS_IN_PROMPT),
    sota: competitors?.sota ?? null,
  };
}
