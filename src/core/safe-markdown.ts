/**
 * The one renderer for untrusted text on a GitHub page (PR titles and bodies, comments, check runs, the
 * results issue, job summaries). Text from a model, a run log, a competitor or an artifact must not ping
 * anyone, reference anything, show an image, link anywhere, or break the page around it:
 * - `inline`: one line of prose. Sanitized (hidden text dropped, secrets redacted, capped before any work),
 *   then every Markdown and HTML syntax character escaped, and what GitHub autolinks defused with a
 *   zero-width space: @mentions, #123 / owner/repo#123 / GH-123 references, commit SHAs, bare URLs and
 *   `www.` hosts (entities are escaped too, so `&commat;` cannot become an @).
 * - `fenced`: a block shown as code (nothing in a code block is linked or rendered), with a fence longer
 *   than any backtick run inside, hidden characters dropped, secrets redacted, and a size cap.
 * - `plainTitle` / `plainText`: a title or a commit message (no Markdown there, but references and
 *   mentions still link).
 * - `codeSpan` / `ownCell`: plain text caddie knows the shape of (a login, a metric name, its own labels),
 *   in a code span or a table cell.
 * - `fitBody`: the last word on size: a whole body cut to GitHub's limit with an open fence closed.
 */
import { capLength, redactSecrets, sanitizeUntrusted, stripHiddenCharacters } from "./sanitize.ts";

/** GitHub's limits in characters (REST docs: check run output, issue and comment bodies, titles). */
export const GITHUB_LIMITS = {
  checkSummary: 65_535,
  checkText: 65_535,
  checkTitle: 1000,
  commentBody: 65_536,
  issueBody: 65_536,
  title: 256,
} as const;

const ZWSP = "\u200b";

/** Defuses what GitHub links or notifies on, in text that is otherwise shown as written. */
function defuseReferences(text: string): string {
  return (
    text
      .replace(/@/g, `@${ZWSP}`)
      .replace(/#/g, `#${ZWSP}`)
      .replace(/\b(gh)-(?=\d)/gi, `$1${ZWSP}-`)
      .replace(/:\/\//g, `:${ZWSP}//`)
      .replace(/\b(www)\./gi, `$1${ZWSP}.`)
      // A hex word of 7-40 characters with a letter and a digit may be a commit: split it.
      .replace(
        /\b(?=[0-9a-f]{0,39}[a-f])(?=[0-9a-f]{0,39}[0-9])([0-9a-f]{4})([0-9a-f]{3,36})\b/gi,
        `$1${ZWSP}$2`,
      )
  );
}

/** Where text is not escaped (titles, commit messages), an entity such as `&commat;` must not form. */
function defuseEntities(text: string): string {
  return text.replace(/&(?=[#A-Za-z])/g, `&${ZWSP}`);
}

/** Every character Markdown or HTML gives a meaning to, made literal. */
function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_[\]|~!]/g, "\\$&")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

/**
 * One line of untrusted prose, safe anywhere in Markdown (a table cell, a list item, after a heading).
 *
 * @example inline("ping @octocat, see #12 ![x](https://e.vil/x.png)")
 * // => "ping @\u200boctocat, see #\u200b12 \\!\\[x\\]\\(https:\u200b//e.vil/x.png\\)"
 */
export function inline(text: string, max = 300): string {
  const one = sanitizeUntrusted(text, { maxLength: max }).replace(/\s+/g, " ").trim();
  return defuseReferences(escapeMarkdown(one));
}

/** A title (PR, issue): no Markdown is rendered there, but references and mentions are. */
export function plainTitle(text: string, max: number = GITHUB_LIMITS.title): string {
  const one = sanitizeUntrusted(text, { maxLength: max }).replace(/\s+/g, " ").trim();
  return capLength(defuseEntities(defuseReferences(one)), max, "…");
}

/** Plain text that keeps its lines (a commit message body): sanitized, references and mentions defused. */
export function plainText(text: string, max = 2000): string {
  return defuseEntities(defuseReferences(sanitizeUntrusted(text, { maxLength: max })));
}

/**
 * A code block of untrusted text (log tails, REASONING, ANALYSIS). `keep: "tail"` keeps the end (a log's
 * last lines say why it crashed).
 */
export function fenced(
  text: string,
  options: { lang?: string; max?: number; keep?: "head" | "tail" } = {},
): string {
  const max = options.max ?? 20_000;
  let body = text.replace(/\r\n?/g, "\n");
  if (body.length > max * 2) body = options.keep === "tail" ? body.slice(-max * 2) : body.slice(0, max * 2);
  body = redactSecrets(stripHiddenCharacters(body));
  if (body.length > max)
    body = options.keep === "tail" ? `[… earlier lines cut]\n${body.slice(-max)}` : capLength(body, max);
  let longest = 2;
  for (const m of body.matchAll(/`{3,}/g)) longest = Math.max(longest, m[0].length);
  const fence = "`".repeat(longest + 1);
  return `${fence}${options.lang ?? "text"}\n${body}\n${fence}`;
}

/**
 * A code span of text known to be plain (a login, a number): backticks in it become quotes. In a table
 * cell a pipe would end the cell even inside the span, so there GitHub's `\|` is written (outside a table
 * it would show as written).
 */
export function codeSpan(text: string, where: { table?: boolean } = {}): string {
  const span = text.replace(/`/g, "'").replace(/\s+/g, " ");
  return `\`${where.table ? span.replace(/\|/g, "\\|") : span}\``;
}

/**
 * A table cell of text caddie wrote itself (a label, a number, a date): one line, pipes escaped. Text from
 * outside goes through `inline`, which does this and everything else.
 */
export function ownCell(text: string): string {
  return text.replace(/[\r\n]+/g, " ").replace(/\|/g, "\\|");
}

/**
 * The last guard before a write: a body longer than `limit` is cut on a line boundary, an open code fence
 * is closed, and a note says so.
 */
export function fitBody(body: string, limit: number): string {
  if (body.length <= limit) return body;
  const note = "\n\n_… cut to fit GitHub's size limit._";
  let cut = body.slice(0, limit - note.length - 64);
  const newline = cut.lastIndexOf("\n");
  if (newline > cut.length / 2) cut = cut.slice(0, newline);
  let open: string | null = null;
  for (const line of cut.split("\n")) {
    const fence = /^(`{3,})/.exec(line)?.[1];
    if (!fence) continue;
    if (open === null) open = fence;
    else if (fence.length >= open.length && line.trim() === fence) open = null;
  }
  return `${cut}${open && open.length < 63 ? `\n${open}` : ""}${note}`;
}
