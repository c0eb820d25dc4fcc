/**
 * Totals and tiers of a research grade (the seed pipeline's rubric): bpb_impact 0-3, size_compatibility 0-3,
 * time_compatibility 0-2, implementability 0-4, novelty 0-3, plus competitor_validated 0-2 when competitor
 * data exists. Tier A: total >= 10; B: 7-9; C: below 7.
 */
import type { GradeScores, Tier } from "./types.ts";

export const GRADE_RANGES = {
  bpb_impact: 3,
  size_compatibility: 3,
  time_compatibility: 2,
  implementability: 4,
  novelty: 3,
  competitor_validated: 2,
} as const;

export function gradeTier(scores: GradeScores): { total: number; max: number; tier: Tier } {
  const base =
    scores.bpb_impact +
    scores.size_compatibility +
    scores.time_compatibility +
    scores.implementability +
    scores.novelty;
  const withCompetitors = scores.competitor_validated !== undefined;
  const total = base + (scores.competitor_validated ?? 0);
  const max = withCompetitors ? 17 : 15;
  const tier: Tier = total >= 10 ? "A" : total >= 7 ? "B" : "C";
  return { total, max, tier };
}
