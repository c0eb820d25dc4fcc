/**
 * De-duplicates research items by id, by normalized title, and by near-duplicate titles (the same paper with
 * a changed word, a version suffix or other punctuation, as arXiv, Semantic Scholar and blog feeds spell it).
 */
import type { RawItem } from "./types.ts";

export interface DedupeResult<T extends RawItem> {
  /** Items not seen before, first occurrence kept. */
  fresh: T[];
  /** Each dropped item and the id of the item it duplicates (the same id when it was seen before). */
  duplicates: { id: string; of: string }[];
}

function normalizeTitle(title: string): string {
  return title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

function bigrams(text: string): Map<string, number> {
  const grams = new Map<string, number>();
  const s = text.replace(/ /g, "");
  for (let i = 0; i + 1 < s.length; i++) {
    const g = s.slice(i, i + 2);
    grams.set(g, (grams.get(g) ?? 0) + 1);
  }
  return grams;
}

function dice(a: Map<string, number>, b: Map<string, number>): number {
  let overlap = 0;
  let total = 0;
  for (const [g, n] of a) {
    overlap += Math.min(n, b.get(g) ?? 0);
    total += n;
  }
  for (const n of b.values()) total += n;
  return total === 0 ? 0 : (2 * overlap) / total;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let inter = 0;
  for (const w of a) if (b.has(w)) inter++;
  const union = a.size + b.size - inter;
  return union === 0 ? 0 : inter / union;
}

interface Key {
  id: string;
  norm: string;
  words: Set<string>;
  grams: Map<string, number>;
}

function keyOf(item: RawItem): Key {
  const norm = normalizeTitle(item.title);
  return { id: item.id, norm, words: new Set(norm.split(" ").filter((w) => w !== "")), grams: bigrams(norm) };
}

function same(a: Key, b: Key): boolean {
  if (a.id === b.id || (a.norm !== "" && a.norm === b.norm)) return true;
  // Short titles ("Muon", "Attention") are too generic to call near-duplicates.
  if (a.norm.length < 16 || b.norm.length < 16) return false;
  return dice(a.grams, b.grams) >= 0.9 || (a.words.size >= 5 && jaccard(a.words, b.words) >= 0.85);
}

export function dedupeItems<T extends RawItem>(incoming: T[], existing: RawItem[] = []): DedupeResult<T> {
  const kept: Key[] = existing.map(keyOf);
  const fresh: T[] = [];
  const duplicates: { id: string; of: string }[] = [];
  for (const item of incoming) {
    const key = keyOf(item);
    const match = kept.find((k) => same(k, key));
    if (match) {
      duplicates.push({ id: item.id, of: match.id });
      continue;
    }
    kept.push(key);
    fresh.push(item);
  }
  return { fresh, duplicates };
}
