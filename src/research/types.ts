/**
 * The stored shapes of the competitor watch (`competitors.json`) and the research cache (`research.jsonl`).
 * Keys are snake_case because these are file formats shared by the CLI, the GitHub App and the agent's context.
 */
import type { RecordScore } from "../core/record-score.ts";

export type PullState = "open" | "closed" | "merged";

/** One record folder added by one openai/parameter-golf pull request. */
export interface Competitor extends RecordScore {
  pr_number: number;
  pr_title: string;
  /** GitHub login of the PR author. */
  pr_author: string | null;
  state: PullState;
  merged_at: string | null;
  updated_at: string;
  /** e.g. `records/track_10min_16mb/2026-04-27_SP8192_LQER_...`. */
  folder: string;
  /** True for the 10-minute / 16 MB record track (the leaderboard SOTA is taken from these). */
  record_track: boolean;
  techniques: string[];
}

/** A record folder, or a whole PR, that could not be read, with the reason shown to the user. */
export interface SkippedRecord {
  pr_number: number;
  folder: string | null;
  reason: string;
}

export interface CompetitorsFile {
  version: 1;
  synced_at: string | null;
  /** The best merged record-track entry within the cap. */
  sota: Competitor | null;
  competitors: Competitor[];
  skipped: SkippedRecord[];
  /** PR number -> the `updated_at` last processed, so unchanged PRs are not read again. */
  seen: Record<string, string>;
  /** Why the last sync stopped early or missed something (rate limit, network). */
  failures: string[];
}

export type SourceName = "arxiv" | "semantic_scholar" | "openreview" | "github" | "feeds";

/** What a source returns: outside text, already sanitized. */
export interface RawItem {
  /** Stable key: "arxiv:2401.01234", "s2:<paperId>", "openreview:<id>", "github:owner/repo#12", "feed:<url>". */
  id: string;
  source: SourceName;
  title: string;
  url: string;
  summary: string;
  authors: string[];
  published: string | null;
}

export interface GradeScores {
  bpb_impact: number;
  size_compatibility: number;
  time_compatibility: number;
  implementability: number;
  novelty: number;
  /** Present only when competitor data existed at grading time. */
  competitor_validated?: number;
}

export type Tier = "A" | "B" | "C";

export interface Grade {
  scores: GradeScores;
  total: number;
  max: number;
  tier: Tier;
  rationale: string;
  model: string;
  graded_at: string;
}

/** The deeper second look a Tier-A item gets, ending in an implementation brief. */
export interface Verification {
  verdict: "confirmed" | "downgraded" | "rejected";
  total: number;
  tier: Tier;
  brief: string;
  concerns: string;
  model: string;
  verified_at: string;
}

export interface ResearchItem extends RawItem {
  fetched_at: string;
  /** Pre-filter score in [0, 1]; items under the threshold are never graded. */
  relevance: number;
  /** Ids of near-duplicates merged into this item. */
  duplicates: string[];
  grade: Grade | null;
  verification: Verification | null;
  /** Why grading failed last time (invalid answer, API error); retried on the next sync. */
  grade_error: string | null;
}

export interface SourceFailure {
  source: string;
  reason: string;
  elapsed_ms: number;
}
