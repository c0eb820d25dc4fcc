/**
 * One research sync: fetch every source in parallel, drop duplicates (against the cache too), score
 * relevance, grade the relevant new items with the LLM when a grader is given, and return the new cache
 * content. Source failures are returned for display, never thrown.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { dedupeItems } from "./dedupe-items.ts";
import { gradeItems } from "./grade-items.ts";
import type { GradingHistory } from "./grading-history.ts";
import { RELEVANCE_THRESHOLD, relevanceScore } from "./relevance-score.ts";
import { runSources } from "./run-sources.ts";
import type { ResearchSource } from "./sources/source.ts";
import type { ResearchItem, SourceFailure } from "./types.ts";

export interface SyncResearchOptions {
  sources: ResearchSource[];
  fetch: typeof globalThis.fetch;
  existing: ResearchItem[];
  /** ISO time of this sync. */
  now: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  threshold?: number;
  /** Null: fetch and filter only (no API key). */
  grader: { client: Anthropic; model: string; history: GradingHistory; maxItems?: number } | null;
  /** Items kept in research.jsonl at most, newest first (default 2000). */
  maxCached?: number;
}

export interface SyncResearchResult {
  items: ResearchItem[];
  fetched: number;
  added: number;
  duplicates: number;
  belowThreshold: number;
  graded: number;
  gradeErrors: number;
  failures: SourceFailure[];
  counts: Record<string, number>;
}

export async function syncResearch(options: SyncResearchOptions): Promise<SyncResearchResult> {
  const threshold = options.threshold ?? RELEVANCE_THRESHOLD;
  const fetched = await runSources(options.sources, {
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  });
  const { fresh, duplicates } = dedupeItems(fetched.items, options.existing);
  const byId = new Map(options.existing.map((i) => [i.id, i]));
  for (const d of duplicates) {
    const original = byId.get(d.of);
    if (original && d.id !== d.of && !original.duplicates.includes(d.id))
      byId.set(d.of, { ...original, duplicates: [...original.duplicates, d.id] });
  }
  const added: ResearchItem[] = fresh.map((raw) => ({
    ...raw,
    fetched_at: options.now,
    relevance: relevanceScore(raw),
    duplicates: [...new Set(duplicates.filter((d) => d.of === raw.id && d.id !== raw.id).map((d) => d.id))],
    grade: null,
    verification: null,
    grade_error: null,
  }));
  let items = [...added, ...byId.values()];

  let graded = 0;
  let gradeErrors = 0;
  if (options.grader) {
    const todo = items
      .filter((i) => i.grade === null && i.relevance >= threshold)
      .sort((a, b) => b.relevance - a.relevance)
      .slice(0, options.grader.maxItems ?? 20);
    const done = await gradeItems(todo, {
      client: options.grader.client,
      model: options.grader.model,
      history: options.grader.history,
      now: options.now,
      signal: options.signal,
    });
    const updated = new Map(done.map((i) => [i.id, i]));
    items = items.map((i) => updated.get(i.id) ?? i);
    graded = done.filter((i) => i.grade !== null).length;
    gradeErrors = done.filter((i) => i.grade_error !== null).length;
  }

  items.sort(
    (a, b) =>
      b.fetched_at.localeCompare(a.fetched_at) || (b.published ?? "").localeCompare(a.published ?? ""),
  );
  return {
    items: items.slice(0, options.maxCached ?? 2000),
    fetched: fetched.items.length,
    added: added.length,
    duplicates: duplicates.length,
    belowThreshold: added.filter((i) => i.relevance < threshold).length,
    graded,
    gradeErrors,
    failures: fetched.failures,
    counts: fetched.counts,
  };
}
