/**
 * notes.md, the agent's long-term memory (seed 000): read before every experiment, updated after each.
 * The file is rendered whole from a model and parsed back by the same code, so the loop never patches text.
 * Humans edit it too, so the parser is tolerant and loses nothing a human wrote:
 * - the five known sections are matched by title, ignoring case and a parenthesised suffix
 *   ("## Ideas Queue (ranked by expected value)" is the Ideas Queue);
 * - text before the first `##` heading is kept as the preamble;
 * - sections under other titles are kept, and rendered after the known ones, just before the Experiment Log
 *   (which stays last, so the file grows at its end);
 * - list sections keep every line: bullets, numbers and paragraphs all become items (the list marker is
 *   normalized); text in the Experiment Log before its first `###` entry is kept as the log preface.
 * Headings inside fenced code blocks are text, not headings.
 */
import { foldCell, type RunStatus } from "./ledger.ts";

export interface NotesModel {
  /** Free text: the current best val_bpb, its commit and what achieved it. */
  bestKnown: string;
  /** One item per abandoned direction: "direction — why — which experiments showed it". */
  deadEnds: string[];
  /** One item per kept gain: "direction — magnitude — which experiment". */
  whatWorks: string[];
  /** Next things to try, best first. */
  ideasQueue: string[];
  /** `### Experiment N: description` entries holding the REASONING and ANALYSIS blocks. */
  log: { title: string; body: string }[];
  /** Text before the first section. */
  preamble?: string;
  /** Sections under titles this file does not know, in file order. */
  otherSections?: { title: string; body: string }[];
  /** Text in the Experiment Log before its first entry. */
  logPreface?: string;
}

export const NOTES_TITLES = {
  bestKnown: "Best Known Config",
  deadEnds: "Dead Ends (do not revisit)",
  whatWorks: "What Works",
  ideasQueue: "Ideas Queue",
  log: "Experiment Log",
} as const;

type KnownSection = keyof typeof NOTES_TITLES;

export function emptyNotes(): NotesModel {
  return {
    bestKnown: "",
    deadEnds: [],
    whatWorks: [],
    ideasQueue: [],
    log: [],
    preamble: "",
    otherSections: [],
    logPreface: "",
  };
}

/** Reads notes.md; never throws (a file the loop cannot read must not stop it). */
export function parseNotes(markdown: string): NotesModel {
  const notes = emptyNotes();
  const { before, sections } = splitByHeading(markdown.replace(/\r\n?/g, "\n"), "## ");
  notes.preamble = before.trim();
  const otherSections: { title: string; body: string }[] = [];
  for (const { title, body } of sections) {
    const known = knownSection(title);
    if (known === "bestKnown") notes.bestKnown = joinText(notes.bestKnown, body.trim());
    else if (known === "deadEnds" || known === "whatWorks" || known === "ideasQueue") {
      notes[known] = [...notes[known], ...parseItems(body)];
    } else if (known === "log") {
      const log = splitByHeading(body, "### ");
      notes.logPreface = joinText(notes.logPreface ?? "", log.before.trim());
      notes.log = [
        ...notes.log,
        ...log.sections.map((entry) => ({ title: entry.title, body: entry.body.trim() })),
      ];
    } else otherSections.push({ title, body: body.trim() });
  }
  notes.otherSections = otherSections;
  return notes;
}

/** Renders notes.md whole; parseNotes(renderNotes(m)) gives m back for trimmed, heading-free text. */
export function renderNotes(notes: NotesModel): string {
  const section = (title: string, body: string): string => `## ${title}\n\n${body.trim()}`.trim();
  const bullets = (items: string[]): string => items.map((item) => listItem("- ", item)).join("\n");
  const numbered = (items: string[]): string =>
    items.map((item, i) => listItem(`${i + 1}. `, item)).join("\n");
  const log = [
    notes.logPreface ?? "",
    ...notes.log.map((entry) => `### ${entry.title}\n\n${entry.body.trim()}`),
  ];
  const parts = [
    notes.preamble ?? "",
    section(NOTES_TITLES.bestKnown, notes.bestKnown),
    section(NOTES_TITLES.deadEnds, bullets(notes.deadEnds)),
    section(NOTES_TITLES.whatWorks, bullets(notes.whatWorks)),
    section(NOTES_TITLES.ideasQueue, numbered(notes.ideasQueue)),
    ...(notes.otherSections ?? []).map((other) => section(other.title, other.body)),
    section(
      NOTES_TITLES.log,
      log
        .map((part) => part.trim())
        .filter(Boolean)
        .join("\n\n"),
    ),
  ];
  return `${parts
    .map((part) => part.trim())
    .filter(Boolean)
    .join("\n\n")}\n`;
}

/** What the loop knows about one finished run, for recordRun. */
export interface RunNote {
  index: number;
  experiment: string;
  commit: string;
  description: string;
  direction: string | null;
  verdict: RunStatus;
  valBpb: number | null;
  artifactBytes: number | null;
  /** The REASONING block (formatReasoning). */
  reasoning: string;
  /** The ANALYSIS block (formatAnalysis). */
  analysis: string;
  /** The best kept val_bpb and its commit after this run. */
  bestValBpb: number | null;
  bestCommit: string | null;
  /** Dead-end directions after this run (detectSignals). */
  deadEnds: string[];
  /** candidate - incumbent from the decision (negative is better); gives What Works its magnitude. */
  delta?: number | null;
}

/**
 * Records a run: its log entry (replacing an earlier entry with the same number, so recording twice is
 * recording once), the best known config when it moved, a What Works item for a kept gain, and a Dead
 * Ends item for each newly dead direction. Items a human wrote are left alone.
 */
export function recordRun(notes: NotesModel, run: RunNote): NotesModel {
  const description = foldCell(run.description);
  const direction = run.direction === null ? null : foldCell(run.direction);
  const title = described(`Experiment ${run.index}`, description);
  const entry = { title, body: logBody(run) };
  const sameIndex = (title: string): boolean => new RegExp(`^Experiment ${run.index}(:|$)`).test(title);
  const at = notes.log.findIndex((existing) => sameIndex(existing.title));
  const log =
    at === -1 ? [...notes.log, entry] : notes.log.map((existing, i) => (i === at ? entry : existing));

  let whatWorks = notes.whatWorks;
  if (run.verdict === "keep" && run.valBpb !== null && run.delta != null && run.delta < 0) {
    const key = `— Experiment ${run.index} (`;
    const item =
      `${direction || "untagged"} — ${(-run.delta).toFixed(4)} better (val_bpb to ${run.valBpb.toFixed(4)}) ` +
      described(`${key}\`${run.commit}\`)`, description);
    whatWorks = [...whatWorks.filter((existing) => !existing.includes(key)), item];
  }

  const deadEnds = [...notes.deadEnds];
  const known = new Set(notes.deadEnds.map((item) => deadEndDirection(item)));
  for (const dead of run.deadEnds.map((item) => foldCell(item))) {
    if (dead === "" || known.has(dead.toLowerCase())) continue;
    known.add(dead.toLowerCase());
    const proof = direction === dead ? described(` (\`${run.commit}\`, ${run.verdict})`, description) : "";
    deadEnds.push(`${dead} — discards or crashes in a row — flagged at Experiment ${run.index}${proof}`);
  }

  return {
    ...notes,
    bestKnown: bestKnown(notes.bestKnown, run, description),
    whatWorks,
    log,
    deadEnds,
  };
}

function bestKnown(current: string, run: RunNote, description: string): string {
  if (run.bestValBpb === null || run.bestCommit === null) return current;
  const value = run.bestValBpb.toFixed(4);
  const line = `val_bpb ${value} at commit \`${run.bestCommit}\``;
  if (run.verdict === "keep" && run.commit === run.bestCommit) {
    return described(`${line}, from Experiment ${run.index} (${run.experiment})`, description);
  }
  // The best did not come from this run: keep the text (and any human additions) while it names the best.
  return current.includes(run.bestCommit) && current.includes(value) ? current : line;
}

function logBody(run: RunNote): string {
  const facts = [run.verdict, `\`${run.commit}\``, run.experiment];
  if (run.direction) facts.push(`direction ${run.direction}`);
  if (run.valBpb !== null) facts.push(`val_bpb ${run.valBpb.toFixed(4)}`);
  if (run.artifactBytes !== null) facts.push(`${run.artifactBytes.toLocaleString("en-US")} bytes`);
  const text = [facts.join(" · "), run.reasoning.trim(), run.analysis.trim()].filter(Boolean).join("\n\n");
  // LLM text may hold markdown headings; unescaped, they would split the log on the next read.
  return text.replace(/^(#{1,6}\s)/gm, "\\$1");
}

/** "text: description", or the text alone: a dangling ": " would not survive a round trip. */
function described(text: string, description: string): string {
  return description ? `${text}: ${description}` : text;
}

function deadEndDirection(item: string): string {
  return (item.split(" — ")[0] ?? "").trim().toLowerCase();
}

/** "Ideas Queue (ranked by expected value)" and "ideas queue" are both the Ideas Queue. */
function knownSection(title: string): KnownSection | null {
  const bare = (text: string): string =>
    text
      .replace(/\(.*\)\s*$/, "")
      .trim()
      .toLowerCase();
  const entries = Object.entries(NOTES_TITLES) as [KnownSection, string][];
  return entries.find(([, known]) => bare(known) === bare(title))?.[0] ?? null;
}

/** Splits on lines starting with `marker` (outside fenced code); text before the first is `before`. */
function splitByHeading(
  text: string,
  marker: string,
): { before: string; sections: { title: string; body: string }[] } {
  const sections: { title: string; body: string[] }[] = [];
  const before: string[] = [];
  let fenced = false;
  for (const line of text.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const current = sections.at(-1);
    if (!fenced && line.startsWith(marker))
      sections.push({ title: line.slice(marker.length).trim(), body: [] });
    else if (current) current.body.push(line);
    else before.push(line);
  }
  return {
    before: before.join("\n"),
    sections: sections.map((s) => ({ title: s.title, body: s.body.join("\n") })),
  };
}

// A list item starts with a marker at the margin (one space of slack); deeper lines continue the item.
const ITEM_START = /^ ?(?:[-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$/;

function parseItems(body: string): string[] {
  const items: string[][] = [];
  for (const raw of body.split("\n")) {
    const line = raw.trim();
    const start = ITEM_START.exec(raw);
    if (start) items.push([(start[1] ?? "").trim()]);
    else if (line === "") continue;
    else if (items.length > 0) items.at(-1)?.push(line);
    else items.push([line]);
  }
  return items.map((lines) => lines.filter(Boolean).join("\n")).filter(Boolean);
}

function listItem(marker: string, item: string): string {
  const [first = "", ...rest] = item.trim().split("\n");
  const indent = " ".repeat(marker.length);
  return [marker + first.trim(), ...rest.map((line) => indent + line.trim())]
    .filter((l) => l.trim())
    .join("\n");
}

function joinText(a: string, b: string): string {
  return [a, b].filter(Boolean).join("\n\n");
}

export { formatReasoning, formatAnalysis, parseBlock } from "./research-blocks.ts";
