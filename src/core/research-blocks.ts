/**
 * The REASONING and ANALYSIS blocks of the research program (seed 000): written before and after every
 * experiment, pasted into notes.md and the pull request. The writer emits the exact template; the reader
 * accepts what LLMs actually produce around it (bold keys, list markers, code fences, a missing closing
 * `===`), and reads only the known keys so a colon inside a sentence does not start a new field.
 */

type BlockKind = "REASONING" | "ANALYSIS";

// Known field labels per block, normalized (lower case, letters only) -> the returned key.
const FIELDS: Record<BlockKind, Record<string, string>> = {
  REASONING: { hypothesis: "hypothesis", evidence: "evidence", risk: "risk", risks: "risk" },
  ANALYSIS: {
    result: "result",
    results: "result",
    vsexpected: "vsExpected",
    versusexpected: "vsExpected",
    why: "why",
    lesson: "lesson",
    lessons: "lesson",
  },
};

/** "=== REASONING ===\nHypothesis: ...\nEvidence: ...\nRisk: ...\n===", each field on one line. */
export function formatReasoning(r: { hypothesis: string; evidence: string; risk: string }): string {
  return block("REASONING", [
    ["Hypothesis", r.hypothesis],
    ["Evidence", r.evidence],
    ["Risk", r.risk],
  ]);
}

/** "=== ANALYSIS ===\nResult: ...\nvs Expected: ...\nWhy: ...\nLesson: ...\n===". */
export function formatAnalysis(a: {
  result: string;
  vsExpected: string;
  why: string;
  lesson: string;
}): string {
  return block("ANALYSIS", [
    ["Result", a.result],
    ["vs Expected", a.vsExpected],
    ["Why", a.why],
    ["Lesson", a.lesson],
  ]);
}

/**
 * Reads the last block of `kind` out of free text (the last, because a model that restates the template
 * or an earlier block ends with its real answer). Returns its fields under camelCase keys (hypothesis,
 * evidence, risk; result, vsExpected, why, lesson); lines that start no field continue the previous one.
 * Null when there is no such block or it holds no known field.
 */
export function parseBlock(text: string, kind: BlockKind): Record<string, string> | null {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const start = lines.findLastIndex((line) => headerKind(unwrap(line)) === kind);
  if (start === -1) return null;
  const fields: Record<string, string[]> = {};
  let current: string[] | null = null;
  for (const raw of lines.slice(start + 1)) {
    const line = unwrap(raw);
    if (/^[*_\s]*={3,}[*_\s]*$/.test(line) || headerKind(line) !== null) break;
    if (/^(```|~~~)/.test(line)) {
      if (current) break; // the fence that closes a block written inside a code fence
      continue;
    }
    const field = fieldOf(line, kind);
    // Continuation lines keep their own markdown (a list stays a list); only field labels are unwrapped.
    if (field) current = fields[field.key] = [field.value];
    else if (current && line !== "") current.push(raw.trim());
  }
  const entries = Object.entries(fields).map(([key, parts]) => [key, parts.join("\n").trim()] as const);
  return entries.length === 0 ? null : Object.fromEntries(entries);
}

function block(kind: BlockKind, fields: [string, string][]): string {
  const body = fields.map(([label, value]) => `${label}: ${value.replace(/\s+/g, " ").trim()}`);
  return [`=== ${kind} ===`, ...body, "==="].join("\n");
}

/** Strips markdown decoration a model may wrap a line in: quotes, bold, list markers. */
function unwrap(line: string): string {
  return line
    .trim()
    .replace(/^>\s?/, "")
    .replace(/^[-*•]\s+/, "")
    .trim();
}

function headerKind(line: string): BlockKind | "OTHER" | null {
  const match = /^[*_#\s]*={3,}\s*([A-Za-z][A-Za-z ]*?)\s*={3,}[*_\s]*$/.exec(line);
  if (!match) return null;
  const word = (match[1] ?? "").toUpperCase();
  return word === "REASONING" || word === "ANALYSIS" ? word : "OTHER";
}

function fieldOf(line: string, kind: BlockKind): { key: string; value: string } | null {
  const match = /^(?:\*\*|__)?([A-Za-z][A-Za-z. ]{0,30}?)(?:\*\*|__)?\s*:(?:\*\*|__)?\s*(.*)$/.exec(line);
  if (!match) return null;
  const key = FIELDS[kind][(match[1] ?? "").toLowerCase().replace(/[^a-z]/g, "")];
  return key ? { key, value: (match[2] ?? "").trim() } : null;
}
