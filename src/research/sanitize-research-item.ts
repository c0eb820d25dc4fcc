/**
 * Re-checks one research item that came from outside our trust boundary (the tick workflow's research job
 * runs on a GitHub runner, so its research.jsonl is untrusted): every field is rebuilt by type, numbers
 * must be finite, and every piece of text is sanitized again. A line the renderers could choke on (a
 * non-numeric relevance, a grade without a tier) is dropped whole rather than repaired by guessing.
 */
import { sanitizeUntrusted } from "../core/sanitize.ts";
import { rawItem } from "./sources/source.ts";
import type { Grade, GradeScores, ResearchItem, SourceName, Tier, Verification } from "./types.ts";

const SOURCES: readonly SourceName[] = ["arxiv", "semantic_scholar", "openreview", "github", "feeds"];
const TIERS: readonly Tier[] = ["A", "B", "C"];
const VERDICTS: readonly Verification["verdict"][] = ["confirmed", "downgraded", "rejected"];
const SCORE_KEYS = ["bpb_impact", "size_compatibility", "time_compatibility", "implementability", "novelty"];

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function finite(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** Short machine-ish strings (ids, model names, ISO times): sanitized, one line, capped. */
function label(value: unknown, max = 200): string | null {
  if (typeof value !== "string") return null;
  const clean = sanitizeUntrusted(value, { maxLength: max }).replace(/\s+/g, " ");
  return clean === "" ? null : clean;
}

function text(value: unknown, max: number): string | null {
  return typeof value === "string" ? sanitizeUntrusted(value, { maxLength: max }) : null;
}

function strings(value: unknown, max: number, each: number): string[] | null {
  if (!Array.isArray(value)) return null;
  const out: string[] = [];
  for (const v of value.slice(0, max)) {
    const s = label(v, each);
    if (s === null) return null;
    out.push(s);
  }
  return out;
}

function grade(value: unknown): Grade | null | undefined {
  if (value === null || value === undefined) return null;
  if (!isFields(value) || !isFields(value.scores)) return undefined;
  const scores: Fields = {};
  for (const key of SCORE_KEYS) {
    if (!finite(value.scores[key])) return undefined;
    scores[key] = value.scores[key];
  }
  if (value.scores.competitor_validated !== undefined) {
    if (!finite(value.scores.competitor_validated)) return undefined;
    scores.competitor_validated = value.scores.competitor_validated;
  }
  const tier = TIERS.find((t) => t === value.tier);
  const rationale = text(value.rationale, 2000);
  const model = label(value.model);
  const gradedAt = label(value.graded_at);
  if (!finite(value.total) || !finite(value.max) || !tier || rationale === null || !model || !gradedAt)
    return undefined;
  return {
    scores: scores as unknown as GradeScores,
    total: value.total,
    max: value.max,
    tier,
    rationale,
    model,
    graded_at: gradedAt,
  };
}

function verification(value: unknown): Verification | null | undefined {
  if (value === null || value === undefined) return null;
  if (!isFields(value)) return undefined;
  const verdict = VERDICTS.find((v) => v === value.verdict);
  const tier = TIERS.find((t) => t === value.tier);
  const brief = text(value.brief, 4000);
  const concerns = text(value.concerns, 2000);
  const model = label(value.model);
  const verifiedAt = label(value.verified_at);
  if (
    !verdict ||
    !tier ||
    !finite(value.total) ||
    brief === null ||
    concerns === null ||
    !model ||
    !verifiedAt
  )
    return undefined;
  return { verdict, total: value.total, tier, brief, concerns, model, verified_at: verifiedAt };
}

/** The item rebuilt from trusted types and re-sanitized text, or null when it cannot be read safely. */
export function sanitizeResearchItem(value: unknown): ResearchItem | null {
  if (!isFields(value)) return null;
  const id = label(value.id, 300);
  const source = SOURCES.find((s) => s === value.source);
  const title = text(value.title, 300);
  const summary = text(value.summary ?? "", 2000);
  const authors = strings(value.authors ?? [], 20, 100);
  const url = label(value.url ?? "", 500) ?? "";
  const published = value.published === null || value.published === undefined ? null : label(value.published);
  const fetchedAt = label(value.fetched_at);
  const duplicates = strings(value.duplicates ?? [], 50, 300);
  const graded = grade(value.grade);
  const verified = verification(value.verification);
  const gradeError =
    value.grade_error === null || value.grade_error === undefined ? null : text(value.grade_error, 500);
  if (
    !id ||
    !source ||
    !title ||
    summary === null ||
    authors === null ||
    !fetchedAt ||
    !finite(value.relevance) ||
    duplicates === null ||
    graded === undefined ||
    verified === undefined ||
    (gradeError === null && value.grade_error !== null && value.grade_error !== undefined)
  )
    return null;
  const base = rawItem({
    id,
    source,
    title,
    // A link shown to the agent: http(s) only and no spaces (rawItem drops anything else).
    url: /\s/.test(url) ? "" : url,
    summary,
    authors,
    published,
  });
  return {
    ...base,
    fetched_at: fetchedAt,
    relevance: Math.min(1, Math.max(0, value.relevance)),
    duplicates,
    grade: graded,
    verification: verified,
    grade_error: gradeError,
  };
}
