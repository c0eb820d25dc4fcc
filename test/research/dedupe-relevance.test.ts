import { describe, expect, it } from "vitest";
import { dedupeItems } from "../../src/research/dedupe-items.ts";
import { relevanceScore } from "../../src/research/relevance-score.ts";
import type { RawItem } from "../../src/research/types.ts";

const raw = (id: string, title: string, summary = ""): RawItem => ({
  id,
  source: "feeds",
  title,
  url: "",
  summary,
  authors: [],
  published: null,
});

describe("dedupeItems", () => {
  it("drops same ids, same normalized titles and near-duplicate titles, keeping the first", () => {
    const existing = [raw("arxiv:1", "Scaling Laws for Precision")];
    const incoming = [
      raw("s2:9", "Scaling laws for precision."),
      raw("feed:a", "Ternary Weights: Training 1.58-bit Language Models at Small Scale"),
      raw("feed:b", "Ternary weights - training 1.58 bit language models at small scale (v2)"),
      raw("arxiv:1", "A different title, same id"),
      raw("feed:c", "Muon"),
      raw("feed:d", "Muon!"),
      raw("feed:e", "Mu"),
    ];
    const { fresh, duplicates } = dedupeItems(incoming, existing);
    expect(fresh.map((i) => i.id)).toEqual(["feed:a", "feed:c", "feed:e"]);
    expect(duplicates).toEqual([
      { id: "s2:9", of: "arxiv:1" },
      { id: "feed:b", of: "feed:a" },
      { id: "arxiv:1", of: "arxiv:1" },
      { id: "feed:d", of: "feed:c" },
    ]);
  });

  it("keeps distinct papers whose titles share words", () => {
    const { fresh } = dedupeItems([
      raw("a", "Quantization-aware training for small language models"),
      raw("b", "Quantization-aware distillation for large vision models"),
    ]);
    expect(fresh).toHaveLength(2);
  });
});

describe("relevanceScore", () => {
  it("scores small-LM compression work above the threshold and unrelated work below it", () => {
    expect(
      relevanceScore(
        raw("x", "Int4 quantization of small language models", "bits per byte under a size budget"),
      ),
    ).toBe(1);
    expect(relevanceScore(raw("x", "Muon optimizer for transformer pretraining"))).toBe(0.6);
    expect(
      relevanceScore(raw("x", "Protein folding with diffusion", "A vision transformer for molecules")),
    ).toBe(0);
    expect(relevanceScore(raw("github:openai/parameter-golf#12", "Fix typo"))).toBe(1);
  });
});
