/**
 * The agent's context: program.md followed by injected sections (notes, results, competitors, research),
 * within a character budget. Characters are UTF-16 code units (String length), a cheap, stable stand-in
 * for tokens. Cuts are visible: the agent must know it is reading a part, and how big the rest is.
 * Sections that quote run output are fenced as untrusted data after the cut, so a cut never opens a fence.
 */
import { fenceData, fenceOverhead } from "./fence-data.ts";
import { redactSecrets } from "./sanitize.ts";

export interface ContextSection {
  title: string;
  body: string;
  /** Most characters this section may take in the output, its heading included. */
  budget?: number;
  /** Which end survives a cut: "head" (default) or "tail" (for logs and tables whose newest lines are last). */
  keep?: "head" | "tail";
  /** When set, the body is untrusted (it quotes run output): redacted and fenced as data with this label. */
  untrusted?: string;
}

export const DEFAULT_CONTEXT_BUDGET = 12_000;

/**
 * Joins program.md and the sections as `## title` blocks. program.md is kept whole unless it alone exceeds
 * the total, in which case it is cut and the sections are left out. The rest of the total is shared among
 * the sections max-min fairly: a section needing less than an equal share gets all it needs, and what it
 * leaves is shared among the others; a section's own budget caps its share. A section with no room for its
 * body is reduced to its heading and the cut marker, and left out only when even that does not fit.
 */
export function assembleContext(input: {
  program: string;
  sections: ContextSection[];
  totalBudget?: number;
}): string {
  const total = input.totalBudget ?? DEFAULT_CONTEXT_BUDGET;
  if (!Number.isInteger(total) || total < 0) {
    throw new RangeError(`assembleContext: totalBudget must be an integer >= 0, got ${total}`);
  }
  const { program, sections } = input;
  if (program.length > total) return cutText(program, total, "head") ?? program.slice(0, total);
  // A blank line separates each section from what precedes it; nothing precedes a first section alone.
  const heading = (section: ContextSection, i: number): string =>
    `${i === 0 && program === "" ? "" : "\n\n"}## ${section.title}\n\n`;
  const clean = sections.map((section) =>
    section.untrusted === undefined ? section : { ...section, body: redactSecrets(section.body) },
  );
  const caps = clean.map((section, i) => {
    const need = heading(section, i).length + section.body.length + overhead(section);
    const budget = section.budget === undefined ? Infinity : Math.max(0, Math.floor(section.budget));
    return Math.min(need, budget);
  });
  const shares = shareFairly(caps, total - program.length);
  const chunks = clean.map((section, i) => renderSection(heading(section, i), section, shares[i] ?? 0));
  return program + chunks.join("");
}

/** Max-min fair split of `available` among the caps (water filling); ties go to the earlier section. */
function shareFairly(caps: number[], available: number): number[] {
  const order = caps.map((cap, index) => ({ cap, index })).sort((a, b) => a.cap - b.cap || a.index - b.index);
  const shares = caps.map(() => 0);
  let remaining = available;
  order.forEach(({ cap, index }, rank) => {
    const share = Math.min(cap, Math.floor(remaining / (order.length - rank)));
    shares[index] = share;
    remaining -= share;
  });
  return shares;
}

function overhead(section: ContextSection): number {
  return section.untrusted === undefined ? 0 : fenceOverhead(section.body, section.untrusted);
}

function renderSection(heading: string, section: ContextSection, share: number): string {
  const extra = overhead(section);
  const wrap = (body: string) =>
    section.untrusted === undefined ? body : fenceData(body, section.untrusted);
  if (heading.length + section.body.length + extra <= share) return heading + wrap(section.body);
  const body = cutText(section.body, share - heading.length - extra, section.keep ?? "head");
  return body === null ? "" : heading + wrap(body);
}

/**
 * Cuts `text` to at most `max` characters with a marker naming the number of characters cut, at a line
 * boundary when one lies in the far half of the kept part. The kept part may be empty (the marker alone
 * still tells the agent what it is missing); null when not even the marker fits.
 */
function cutText(text: string, max: number, keep: "head" | "tail"): string | null {
  if (text.length <= max) return text;
  // Sized for the largest possible count, so the real marker (never longer) always fits.
  const room = max - marker(text.length, keep).length;
  if (room < 0) return null;
  let kept: string;
  if (keep === "head") {
    kept = text.slice(0, room);
    const lineEnd = kept.lastIndexOf("\n");
    if (lineEnd >= room / 2) kept = kept.slice(0, lineEnd);
    else if (isHighSurrogate(kept.charCodeAt(kept.length - 1))) kept = kept.slice(0, -1);
  } else {
    kept = text.slice(text.length - room);
    const lineStart = kept.indexOf("\n");
    if (lineStart !== -1 && lineStart <= room / 2) kept = kept.slice(lineStart + 1);
    else if (isLowSurrogate(kept.charCodeAt(0))) kept = kept.slice(1);
  }
  const cut = marker(text.length - kept.length, keep);
  if (kept === "") return cut.trim();
  return keep === "head" ? kept + cut : cut + kept;
}

function marker(cut: number, keep: "head" | "tail"): string {
  const text = `[... ${cut} characters cut ...]`;
  return keep === "head" ? `\n${text}` : `${text}\n`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
