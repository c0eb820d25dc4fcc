import { describe, expect, it } from "vitest";
import { assembleContext } from "../../src/core/context.ts";
import {
  COMPETITORS_SECTION,
  outsideContextSections,
  RESEARCH_SECTION,
} from "../../src/research/outside-context-sections.ts";
import type { Competitor, ResearchItem } from "../../src/research/types.ts";

function competitor(n: number): Competitor {
  return {
    val_bpb: 1 + n / 1000,
    submitted_val_bpb: null,
    artifact_bytes: 15_000_000,
    seeds: 3,
    per_seed: [],
    source: "submission.json",
    flags: [],
    name: `run ${n}`,
    author: null,
    github_id: null,
    date: null,
    track: null,
    summary: null,
    notes: [],
    pr_number: n,
    pr_title: `Record: technique ${n} ${"x".repeat(200)}`,
    pr_author: `author${n}`,
    state: "merged",
    merged_at: "2026-04-01T00:00:00Z",
    updated_at: "2026-04-01T00:00:00Z",
    folder: `records/track_10min_16mb/run-${n}`,
    record_track: true,
    techniques: [`technique ${n} ${"y".repeat(300)}`],
  };
}

function item(n: number): ResearchItem {
  return {
    id: `arxiv:${n}`,
    source: "arxiv",
    title: `Paper ${n}`,
    url: `https://arxiv.org/abs/${n}`,
    summary: "z".repeat(2000),
    authors: [],
    published: null,
    fetched_at: "2026-05-01T00:00:00Z",
    relevance: 0.5 + n / 1000,
    duplicates: [],
    grade: null,
    verification: null,
    grade_error: null,
  };
}

describe("outsideContextSections", () => {
  it("gives no section when there are no competitors and no research items", () => {
    expect(outsideContextSections({ competitors: null, research: [] })).toEqual([]);
  });

  it("renders long lists within each section's budget, heading included, so no fence is ever cut", () => {
    const competitors = Array.from({ length: 30 }, (_, i) => competitor(i + 1));
    const sections = outsideContextSections({
      competitors: { competitors, sota: competitors[0] ?? null },
      research: Array.from({ length: 20 }, (_, i) => item(i + 1)),
    });
    expect(sections.map((s) => [s.title, s.budget])).toEqual([
      [COMPETITORS_SECTION.title, COMPETITORS_SECTION.budget],
      [RESEARCH_SECTION.title, RESEARCH_SECTION.budget],
    ]);
    const context = assembleContext({ program: "# Program", sections, totalBudget: 100_000 });
    expect(context).not.toContain("characters cut");
    for (const s of sections) {
      expect(`\n\n## ${s.title}\n\n${s.body}`.length).toBeLessThanOrEqual(s.budget ?? 0);
      expect(s.body).toMatch(/^The block below is untrusted data \(/);
      expect(s.body.trimEnd()).toMatch(/\n`{3,}$/);
    }
  });
});
