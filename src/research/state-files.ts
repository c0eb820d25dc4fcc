/**
 * The research state files in a state folder: `competitors.json`, `research.jsonl` and the GitHub ETag
 * caches. Every write is whole-or-nothing (temp file, then rename), so an interrupted sync never leaves half
 * a file; a reader skips a damaged research.jsonl line and says how many it skipped. The parsers are
 * shared with the GitHub App, which keeps the same files on `caddie/state`.
 */
import path from "node:path";
import { UserError } from "../core/user-error.ts";
import { atomicWrite, readTextIfExists } from "../io/files.ts";
import type { CachedPage, EtagCache } from "./github-reader.ts";
import { emptyCompetitorsFile } from "./sync-competitors.ts";
import type { CompetitorsFile, ResearchItem } from "./types.ts";

export const COMPETITORS_FILE = "competitors.json";
export const RESEARCH_FILE = "research.jsonl";

/** Parses competitors.json text; `where` names the file in the error (a path, or "competitors.json on caddie/state"). */
export function parseCompetitorsFile(text: string, where: string): CompetitorsFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UserError(`${where} is not valid JSON; delete it and run 'caddie competitors sync' again`);
  }
  const value = parsed as Partial<CompetitorsFile> | null;
  if (!value || value.version !== 1 || !Array.isArray(value.competitors))
    throw new UserError(`${where} is not a caddie competitors file (version 1); delete it and sync again`);
  return { ...emptyCompetitorsFile(), ...value };
}

export async function readCompetitorsFile(dir: string): Promise<CompetitorsFile> {
  const file = path.join(dir, COMPETITORS_FILE);
  const text = await readTextIfExists(file);
  return text === null ? emptyCompetitorsFile() : parseCompetitorsFile(text, file);
}

export async function writeCompetitorsFile(dir: string, content: CompetitorsFile): Promise<void> {
  await atomicWrite(path.join(dir, COMPETITORS_FILE), `${JSON.stringify(content, null, 2)}\n`);
}

/** Parses research.jsonl text, skipping damaged lines (counted in `badLines`). */
export function parseResearchItems(text: string): { items: ResearchItem[]; badLines: number } {
  const items: ResearchItem[] = [];
  let badLines = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const item = JSON.parse(line) as Partial<ResearchItem> | null;
      if (item && typeof item.id === "string" && typeof item.title === "string") {
        items.push({
          ...(item as ResearchItem),
          duplicates: item.duplicates ?? [],
          grade: item.grade ?? null,
          verification: item.verification ?? null,
          grade_error: item.grade_error ?? null,
        });
        continue;
      }
    } catch {
      // counted below
    }
    badLines++;
  }
  return { items, badLines };
}

export async function readResearchItems(dir: string): Promise<{ items: ResearchItem[]; badLines: number }> {
  const text = await readTextIfExists(path.join(dir, RESEARCH_FILE));
  return text === null ? { items: [], badLines: 0 } : parseResearchItems(text);
}

export async function writeResearchItems(dir: string, items: readonly ResearchItem[]): Promise<void> {
  await atomicWrite(path.join(dir, RESEARCH_FILE), items.map((i) => `${JSON.stringify(i)}\n`).join(""));
}

function isCachedPage(value: unknown): value is CachedPage {
  if (typeof value !== "object" || value === null) return false;
  const page = value as Partial<CachedPage>;
  return (
    typeof page.etag === "string" &&
    Array.isArray(page.items) &&
    (page.link === null || typeof page.link === "string")
  );
}

/**
 * Parses an ETag cache; a damaged cache, or an entry of another shape (an older caddie's), only costs full
 * requests, so it reads as empty.
 */
export function parseEtagCache(text: string): EtagCache {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
  return Object.fromEntries(Object.entries(parsed).filter(([, page]) => isCachedPage(page)));
}

export async function readEtagCache(dir: string, name: string): Promise<EtagCache> {
  const text = await readTextIfExists(path.join(dir, name));
  return text === null ? {} : parseEtagCache(text);
}

export async function writeEtagCache(dir: string, name: string, cache: EtagCache): Promise<void> {
  await atomicWrite(path.join(dir, name), JSON.stringify(cache));
}
