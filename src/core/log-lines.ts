/** One line of a log, cleaned of launcher noise, with where it sits in the whole text. */
export interface LogLine {
  /** The line as `cleanLogLine` leaves it. Leading indentation is kept: tracebacks need it. */
  text: string;
  /** Offset of the raw line's first character in the whole text. */
  start: number;
  /** Offset just past the raw line's last character (its `\n`, or the end of the text). */
  end: number;
}

const TAIL_CHARS = 1_000_000;

// What launchers and loggers put in front of what the script printed. Each is one "stamp"; a line may
// start with several, bare or in brackets, joined by separators: `[rank0]: `, `2026-03-20 12:34:56,789 INFO `,
// `[12:34:56] `, `INFO:root:`, `+12.3s | `, `1711000000.123 `, `(pid=4121) `.
const DATE = String.raw`\d{4}[-/.]\d{1,2}[-/.]\d{1,2}`;
const TIME = String.raw`\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s?(?:Z|UTC|[+-]\d{2}:?\d{2}))?`;
const STAMP = [
  String.raw`${DATE}(?:[T ]${TIME})?`,
  TIME,
  String.raw`\d{10}(?:\.\d+)?`, // Unix seconds
  String.raw`\+?\d+(?:\.\d+)?\s?(?:ms|s|sec|min|m|h)(?![\w/])`, // elapsed time
  String.raw`(?:DEBUG|INFO|NOTICE|WARNING|WARN|ERROR|CRITICAL|FATAL|TRACE)(?::[\w.]+(?=:))?(?![\w])`,
  String.raw`(?:rank|default)\d+`,
].join("|");
const PROCESS = String.raw`(?:pid|rank|node|worker)\s*[=:]?\s*\d+[^\])\n]{0,60}`;
const ONE_PREFIX = String.raw`(?:\[\s*(?:(?:${STAMP})(?:[\s,|]+(?:${STAMP}))*|${PROCESS})\s*\]|\(\s*${PROCESS}\)|(?:${STAMP}))`;
// A stamp, then separators (` | `, ` - `, `: `, `:`) and one blank: indentation after it is the line's own.
const LINE_PREFIX = new RegExp(
  String.raw`^(?:${ONE_PREFIX}(?:[ \t]*[|>\-]+(?=[ \t])|[ \t]*:(?=\S)|:)?[ \t]?)+`,
);

/** Only these first characters can start a prefix: the regex is not tried on other lines. */
function mayHavePrefix(code: number): boolean {
  return (
    code === 91 /* [ */ ||
    code === 40 /* ( */ ||
    code === 43 /* + */ ||
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90)
  );
}

/**
 * One raw line as the parser reads it: without trailing `\r`s, only the part after the last `\r` (what
 * a terminal shows after progress redraws), and without the prefixes launchers and loggers add (torchrun's
 * `[rank0]: `, timestamps, log levels, elapsed times), so a timestamp is never read as a key.
 */
export function cleanLogLine(raw: string): string {
  let line = raw;
  while (line.endsWith("\r")) line = line.slice(0, -1);
  const cr = line.lastIndexOf("\r");
  if (cr >= 0) line = line.slice(cr + 1);
  if (mayHavePrefix(line.charCodeAt(0))) {
    const prefix = LINE_PREFIX.exec(line);
    if (prefix) line = line.slice(prefix[0].length);
  }
  return line;
}

/** The line of `text` that holds the character at `offset`. */
export function logLineAt(text: string, offset: number): LogLine {
  const start = offset === 0 ? 0 : text.lastIndexOf("\n", offset - 1) + 1;
  const newline = text.indexOf("\n", offset);
  const end = newline < 0 ? text.length : newline;
  return { text: cleanLogLine(text.slice(start, end)), start, end };
}

/**
 * The lines of `text` that contain `needle` (every line when `needle` is ""), first to last or, with
 * `"backward"`, last to first. Each line comes once however often the needle occurs in it.
 *
 * Why: a 50 MB log has a million lines, and most questions ("the last size line", "any traceback?")
 * concern a handful of them. The engine's native substring search finds those without cutting the
 * text into a million strings, and a backward walk stops as soon as the caller has its answer.
 *
 * @example for (const line of linesContaining(log, "val_bpb", "backward")) { ... break; }
 */
export function* linesContaining(
  text: string,
  needle: string,
  direction: "forward" | "backward" = "forward",
): Generator<LogLine> {
  if (direction === "forward") {
    let from = 0;
    while (from <= text.length) {
      const hit = text.indexOf(needle, from);
      if (hit < 0) return;
      const line = logLineAt(text, hit);
      yield line;
      from = line.end + 1;
    }
    return;
  }
  // V8's indexOf skips ahead (Boyer-Moore-Horspool) while lastIndexOf steps back one character at a
  // time, so a needle absent from a big log is ruled out forward: first in the tail, where the closing
  // lines usually are, then in the whole text.
  const tail = Math.max(0, text.length - TAIL_CHARS);
  if (needle !== "" && text.indexOf(needle, tail) < 0 && !text.includes(needle)) return;
  let from = text.length;
  while (from >= 0) {
    const hit = text.lastIndexOf(needle, from);
    if (hit < 0) return;
    const line = logLineAt(text, hit);
    yield line;
    from = line.start - 1;
  }
}
