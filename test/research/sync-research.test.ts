import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { gradingHistory } from "../../src/research/grading-history.ts";
import { arxivSource } from "../../src/research/sources/arxiv.ts";
import { feedSource } from "../../src/research/sources/feed.ts";
import { semanticScholarSource } from "../../src/research/sources/semantic-scholar.ts";
import { syncResearch } from "../../src/research/sync-research.ts";
import type { ResearchItem } from "../../src/research/types.ts";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic.ts";
import { send, serve, type Served } from "./serve.ts";

const ATOM = `<feed xmlns="http://www.w3.org/2005/Atom">
<entry><id>http://arxiv.org/abs/2601.00010v1</id><title>Int5 quantization for small language models</title>
<summary>Compression of tiny transformers under a byte budget.</summary><link href="http://arxiv.org/abs/2601.00010v1"/></entry>
<entry><id>http://arxiv.org/abs/2601.00011v1</id><title>Galaxy morphology from telescope images</title>
<summary>Astronomy.</summary></entry>
<entry><id>http://arxiv.org/abs/2601.00012v1</id><title>An already cached paper</title><summary>x</summary></entry>
</feed>`;

const S2 = JSON.stringify({
  data: [
    {
      paperId: "p1",
      externalIds: {},
      title: "Int5 Quantization for Small Language Models",
      abstract: "dup",
      authors: [],
    },
  ],
});

let served: Served | null = null;
let fake: FakeAnthropic | null = null;
afterEach(async () => {
  await served?.close();
  await fake?.close();
  served = null;
  fake = null;
});

const cached: ResearchItem = {
  id: "arxiv:2601.00012",
  source: "arxiv",
  title: "An already cached paper",
  url: "",
  summary: "x",
  authors: [],
  published: null,
  fetched_at: "2026-04-01T00:00:00Z",
  relevance: 0.1,
  duplicates: [],
  grade: null,
  verification: null,
  grade_error: null,
};

describe("syncResearch", () => {
  it("fetches, de-duplicates against the cache, filters by relevance and grades only what passes", async () => {
    served = await serve((req, res) => {
      if (req.path.startsWith("/api/query")) return send(res, 200, ATOM);
      if (req.path.startsWith("/graph/v1/")) return send(res, 200, S2);
      // /hang never answers
    });
    fake = await startFakeAnthropic({
      respond: () => ({
        content: [
          {
            type: "tool_use",
            name: "record_grade",
            input: {
              bpb_impact: 1,
              size_compatibility: 3,
              time_compatibility: 2,
              implementability: 1,
              novelty: 1,
              rationale: "ok",
            },
          },
        ],
      }),
    });
    const result = await syncResearch({
      sources: [
        arxivSource({ baseUrl: served.url }),
        semanticScholarSource({ baseUrl: served.url }),
        feedSource(`${served.url}/hang`),
      ],
      fetch: globalThis.fetch,
      existing: [cached],
      now: "2026-05-01T00:00:00Z",
      timeoutMs: 5000, // a limit local answers never come near, even on a loaded machine
      grader: {
        client: new Anthropic({ apiKey: "k", baseURL: fake.url, maxRetries: 0 }),
        model: "m",
        history: gradingHistory([], null),
      },
    });
    expect(result).toMatchObject({
      fetched: 4,
      added: 2,
      duplicates: 2,
      belowThreshold: 1,
      graded: 1,
      gradeErrors: 0,
    });
    expect(result.failures.map((f) => f.reason)).toEqual(["timed out after 5000 ms"]);
    expect(result.items.map((i) => [i.id, i.grade?.total ?? null])).toEqual([
      ["arxiv:2601.00010", 8],
      ["arxiv:2601.00011", null],
      ["arxiv:2601.00012", null],
    ]);
    // Semantic Scholar's copy has no arXiv id; its title (case aside) names the same paper.
    expect(result.items[0]?.duplicates).toEqual(["s2:p1"]);
    expect(fake.requests).toHaveLength(1);
  });
});
