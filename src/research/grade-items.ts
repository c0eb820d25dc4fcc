/**
 * Grades research items with Claude through a forced tool call, so the answer is structured and checked
 * before use: every score an integer in its range, or the item keeps `grade: null` with the reason in
 * `grade_error` (retried next sync). Tier-A items then get a deeper second look that re-scores them and ends
 * in a short implementation brief.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { fenceData } from "../core/fence-data.ts";
import { buildGradingPrompt } from "./grading-prompt.ts";
import type { GradingHistory } from "./grading-history.ts";
import { GRADE_RANGES, gradeTier } from "./grade-tier.ts";
import type { GradeScores, ResearchItem, Verification } from "./types.ts";

export interface GradeItemsOptions {
  client: Anthropic;
  model: string;
  history: GradingHistory;
  /** ISO time stamped on grades (passed in). */
  now: string;
  signal?: AbortSignal;
  /** Items graded at the same time (default 2). */
  concurrency?: number;
}

type ScoreKey = keyof typeof GRADE_RANGES;

const DESCRIPTIONS: Record<ScoreKey, string> = {
  bpb_impact: "0-3: expected val_bpb improvement at this scale",
  size_compatibility: "0-3: fits the 16,000,000-byte artifact",
  time_compatibility: "0-2: fits 10 min training + 10 min eval on 8xH100",
  implementability: "0-4: doable inside one train_gpt.py",
  novelty: "0-3: not already proven or a known dead end",
  competitor_validated: "0-2: shown working in a competitor record",
};

function scoreKeys(withCompetitors: boolean): ScoreKey[] {
  const keys: ScoreKey[] = [
    "bpb_impact",
    "size_compatibility",
    "time_compatibility",
    "implementability",
    "novelty",
  ];
  return withCompetitors ? [...keys, "competitor_validated"] : keys;
}

function scoreProperties(keys: ScoreKey[]): Record<string, unknown> {
  return Object.fromEntries(
    keys.map((k) => [
      k,
      { type: "integer", minimum: 0, maximum: GRADE_RANGES[k], description: DESCRIPTIONS[k] },
    ]),
  );
}

function gradeTool(keys: ScoreKey[]): Anthropic.Tool {
  return {
    name: "record_grade",
    description: "Record the grade of one research item against the Parameter Golf constraints.",
    input_schema: {
      type: "object",
      properties: { ...scoreProperties(keys), rationale: { type: "string", maxLength: 600 } },
      required: [...keys, "rationale"],
      additionalProperties: false,
    },
  };
}

function verifyTool(keys: ScoreKey[]): Anthropic.Tool {
  return {
    name: "record_verification",
    description: "Record the verified scores of a Tier-A item and a short implementation brief.",
    input_schema: {
      type: "object",
      properties: {
        verdict: { type: "string", enum: ["confirmed", "downgraded", "rejected"] },
        ...scoreProperties(keys),
        brief: {
          type: "string",
          maxLength: 1200,
          description:
            "What to change in train_gpt.py (settings, code), expected bpb gain, byte and time cost, main risk.",
        },
        concerns: { type: "string", maxLength: 600 },
      },
      required: ["verdict", ...keys, "brief", "concerns"],
      additionalProperties: false,
    },
  };
}

/** Checks a tool input; returns the scores or a reason. */
function readScores(input: unknown, keys: ScoreKey[]): GradeScores | string {
  if (typeof input !== "object" || input === null) return "tool input is not an object";
  const record = input as Record<string, unknown>;
  const out: Record<string, number> = {};
  for (const key of keys) {
    const v = record[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > GRADE_RANGES[key])
      return `${key} must be an integer from 0 to ${GRADE_RANGES[key]} (got ${JSON.stringify(v)})`;
    out[key] = v;
  }
  return {
    bpb_impact: out.bpb_impact ?? 0,
    size_compatibility: out.size_compatibility ?? 0,
    time_compatibility: out.time_compatibility ?? 0,
    implementability: out.implementability ?? 0,
    novelty: out.novelty ?? 0,
    ...(keys.includes("competitor_validated") ? { competitor_validated: out.competitor_validated ?? 0 } : {}),
  };
}

function text(value: unknown, max: number): string {
  return typeof value === "string" ? value.trim().slice(0, max) : "";
}

function itemBlock(item: ResearchItem): string {
  const head = [
    `Title: ${item.title}`,
    `Source: ${item.source} (${item.id})`,
    item.url ? `URL: ${item.url}` : null,
    item.authors.length ? `Authors: ${item.authors.join(", ")}` : null,
    item.published ? `Published: ${item.published}` : null,
  ].filter((line): line is string => line !== null);
  return `${head.join("\n")}\n\n${item.summary}`;
}

async function callTool(
  options: GradeItemsOptions,
  system: string,
  content: string,
  tool: Anthropic.Tool,
): Promise<unknown> {
  const message = await options.client.messages.create(
    {
      model: options.model,
      max_tokens: 1024,
      system,
      tools: [tool],
      tool_choice: { type: "tool", name: tool.name },
      messages: [{ role: "user", content }],
    },
    { signal: options.signal },
  );
  const use = message.content.find((b) => b.type === "tool_use" && b.name === tool.name);
  if (!use || use.type !== "tool_use") throw new Error(`the model did not call ${tool.name}`);
  return use.input;
}

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, " ").slice(0, 300);
}

async function verify(
  item: ResearchItem,
  options: GradeItemsOptions,
  keys: ScoreKey[],
): Promise<Verification> {
  const system =
    buildGradingPrompt(options.history) +
    "\n\n## VERIFICATION\nThis item was graded Tier A. Look again, skeptically: check its claims against the constraints and the " +
    "competitor evidence above, re-score it, and say whether the grade holds (confirmed), drops (downgraded) or the idea " +
    "does not apply (rejected). End with an implementation brief of at most 8 lines. Answer only by calling record_verification.";
  const prior = item.grade
    ? `Initial grade: ${item.grade.total}/${item.grade.max}. Rationale: ${item.grade.rationale}\n\n`
    : "";
  const input = await callTool(
    options,
    system,
    prior + fenceData(itemBlock(item), "research item"),
    verifyTool(keys),
  );
  const scores = readScores(input, keys);
  if (typeof scores === "string") throw new Error(`invalid verification: ${scores}`);
  const record = input as Record<string, unknown>;
  const verdict = record.verdict;
  if (verdict !== "confirmed" && verdict !== "downgraded" && verdict !== "rejected")
    throw new Error(`invalid verification: verdict ${JSON.stringify(verdict)}`);
  const { total, tier } = gradeTier(scores);
  return {
    verdict,
    total,
    tier,
    brief: text(record.brief, 1200),
    concerns: text(record.concerns, 600),
    model: options.model,
    verified_at: options.now,
  };
}

async function gradeOne(
  item: ResearchItem,
  options: GradeItemsOptions,
  system: string,
  keys: ScoreKey[],
): Promise<ResearchItem> {
  let input: unknown;
  try {
    input = await callTool(options, system, fenceData(itemBlock(item), "research item"), gradeTool(keys));
  } catch (error) {
    return { ...item, grade_error: `grading failed: ${errorText(error)}` };
  }
  const scores = readScores(input, keys);
  if (typeof scores === "string") return { ...item, grade_error: `invalid grade: ${scores}` };
  const { total, max, tier } = gradeTier(scores);
  const graded: ResearchItem = {
    ...item,
    grade: {
      scores,
      total,
      max,
      tier,
      rationale: text((input as Record<string, unknown>).rationale, 600),
      model: options.model,
      graded_at: options.now,
    },
    verification: null,
    grade_error: null,
  };
  if (tier !== "A") return graded;
  try {
    return { ...graded, verification: await verify(graded, options, keys) };
  } catch (error) {
    return { ...graded, grade_error: `verification failed: ${errorText(error)}` };
  }
}

/** Grades items (a few at a time); returns them in order with `grade` or `grade_error` set. Never throws. */
export async function gradeItems(items: ResearchItem[], options: GradeItemsOptions): Promise<ResearchItem[]> {
  const system = buildGradingPrompt(options.history);
  const keys = scoreKeys(options.history.competitors.length > 0);
  const out: ResearchItem[] = new Array<ResearchItem>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      const item = items[index];
      if (item) out[index] = await gradeOne(item, options, system, keys);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));
  return out;
}
