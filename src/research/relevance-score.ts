/**
 * A cheap relevance pre-filter run before any paid grading: keyword evidence that an item is about making a
 * small language model better under a size and time budget. Scores are in [0, 1]; the default threshold
 * (0.4) matches the seed pipeline's. Items from openai/parameter-golf itself always pass.
 */
import type { RawItem } from "./types.ts";

export const RELEVANCE_THRESHOLD = 0.4;

/** [pattern, weight]: strong signals weigh 0.4-0.5, supporting words 0.1-0.2. */
const SIGNALS: [RegExp, number][] = [
  [/parameter[- ]golf|modded[- ]nanogpt|nanogpt|speedrun|autoresearch/i, 0.6],
  [/\bbits?[- ]per[- ]byte\b|\bbpb\b/i, 0.4],
  [
    /quantiz|\bint[2-8]\b|\bfp8\b|low[- ]bit|ternary|binary (?:weights|network)|1[.-]58[- ]bit|\bgptq\b|\bqat\b/i,
    0.4,
  ],
  [/compress|pruning|sparsit|distill|weight sharing|parameter sharing|tied embedding/i, 0.3],
  [
    /small (?:language )?models?|tiny|compact|parameter[- ]efficient|sub-?billion|size budget|\d+\s?(?:mb|m params)/i,
    0.3,
  ],
  [/muon|optimizer|newton[- ]schulz|learning rate schedule|warmdown|\bsgd\b|adam/i, 0.25],
  [/test[- ]time training|\bttt\b|lora/i, 0.25],
  [/tokeniz|vocabulary|byte[- ]level|sentencepiece|\bbpe\b/i, 0.2],
  [/attention|transformer|recurren|depth|mixture of experts|\bmoe\b|rotary|rope\b|embedding/i, 0.15],
  [/language model|\bllm|pretrain|perplexity|scaling law|training efficiency|sample efficien/i, 0.2],
];

// Topics that share words with ours but are not about training a small LM.
const OFF_TOPIC = /image|vision|video|speech|audio|protein|molecul|robot|medical|diffusion model for images/i;

export function relevanceScore(item: Pick<RawItem, "id" | "title" | "summary">): number {
  if (item.id.startsWith("github:openai/parameter-golf#")) return 1;
  const text = `${item.title}\n${item.title}\n${item.summary}`;
  let score = 0;
  for (const [re, weight] of SIGNALS) if (re.test(text)) score += weight;
  if (OFF_TOPIC.test(item.title)) score -= 0.3;
  return Math.max(0, Math.min(1, Math.round(score * 100) / 100));
}
