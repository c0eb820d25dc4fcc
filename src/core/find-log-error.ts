import { linesContaining, logLineAt } from "./log-lines.ts";

/** What a log says about a failure, when it says anything. */
export interface LogError {
  /** The most telling error line (e.g. `ValueError: model_dim must be divisible by num_heads`), or null
   * when the log has a traceback but no line naming the exception. */
  line: string | null;
}

const TRACEBACK = "Traceback (most recent call last)";
// `ValueError: msg`, `torch.OutOfMemoryError: CUDA out of memory`, `Error: msg`, a bare `SomeError`.
const ERROR_LINE = /^((?:[A-Za-z_]\w*\.)*\w*(?:Error|Exception))(?::(.*))?$/;
// torchrun's own exception after a worker died: the worker's error, printed earlier, is the one to report.
const LAUNCHER_ERRORS = new Set(["ChildFailedError"]);
const MAX_ERROR_CHARS = 500;
// How far past a traceback header to look for its exception line (frames of deep stacks included).
const MAX_TRACEBACK_LINES = 400;

interface Candidate {
  start: number;
  text: string;
  informative: boolean;
}

function describe(text: string, start: number): Candidate {
  const colon = text.indexOf(":");
  const type = (colon < 0 ? text : text.slice(0, colon)).split(".").pop() ?? "";
  const message = colon < 0 ? "" : text.slice(colon + 1).trim();
  // A bare `KeyboardInterrupt` says enough; `ChildFailedError: ` (empty) or a launcher error does not.
  const informative = !LAUNCHER_ERRORS.has(type) && (colon < 0 || message !== "");
  return { start, text, informative };
}

function previousNonEmptyLine(text: string, start: number): string {
  // `start - 1` is the newline that ends the line before.
  for (let at = start - 1; at >= 0;) {
    const line = logLineAt(text, at);
    if (line.text.trim() !== "") return line.text.trim();
    at = line.start - 1;
  }
  return "";
}

/** The exception line a traceback ends with: the first unindented line after its frames. */
function tracebackEnd(text: string, headerEnd: number): { start: number; end: number; text: string } | null {
  let from = headerEnd + 1;
  for (let i = 0; i < MAX_TRACEBACK_LINES && from < text.length; i++) {
    const line = logLineAt(text, from);
    const body = line.text;
    if (body.trim() !== "" && !/^\s/.test(body))
      return { start: line.start, end: line.end, text: body.trim() };
    from = line.end + 1;
  }
  return null;
}

/**
 * Finds why a run died: a Python traceback or an `XxxError: ...` line. Returns null when the log shows
 * neither. The error reported is the last informative one, so torchrun's closing `ChildFailedError`
 * does not hide the worker's `ValueError`; a traceback that Python printed under
 * `Exception ignored in: ...` (noise at interpreter shutdown) does not count.
 *
 * @example findLogError("[rank0]: ValueError: model_dim must be divisible by num_heads\n")
 *   // { line: "ValueError: model_dim must be divisible by num_heads" }
 */
export function findLogError(text: string): LogError | null {
  const candidates: Candidate[] = [];
  const seen = new Set<number>();
  const ignored: { start: number; end: number }[] = [];
  let tracebacks = 0;
  for (const header of linesContaining(text, TRACEBACK)) {
    if (!header.text.trimStart().startsWith(TRACEBACK)) continue;
    const last = tracebackEnd(text, header.end);
    if (previousNonEmptyLine(text, header.start).startsWith("Exception ignored")) {
      ignored.push({ start: header.start, end: last ? last.end : header.end });
      continue;
    }
    tracebacks++;
    if (last && !seen.has(last.start)) {
      seen.add(last.start);
      candidates.push(describe(last.text, last.start));
    }
  }
  for (const needle of ["Error", "Exception"]) {
    for (const line of linesContaining(text, needle)) {
      if (ignored.some((r) => line.start >= r.start && line.start <= r.end)) continue;
      if (seen.has(line.start)) continue;
      const body = line.text.trimEnd();
      if (!ERROR_LINE.test(body)) continue;
      seen.add(line.start);
      candidates.push(describe(body, line.start));
    }
  }
  if (tracebacks === 0 && candidates.length === 0) return null;
  candidates.sort((a, b) => a.start - b.start);
  const chosen = candidates.findLast((c) => c.informative) ?? candidates.at(-1);
  if (!chosen) return { line: null };
  const line =
    chosen.text.length > MAX_ERROR_CHARS ? `${chosen.text.slice(0, MAX_ERROR_CHARS)}...` : chosen.text;
  return { line };
}
