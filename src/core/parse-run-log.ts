import { findLogError } from "./find-log-error.ts";
import { linesContaining, logLineAt } from "./log-lines.ts";
import { evalLabel, readEvalLine } from "./eval-line.ts";
import { parseProgressLine } from "./parse-progress-line.ts";
import { byteCountProblem, valBpbProblem } from "./plausible-score.ts";
import { readLogNumber } from "./read-log-number.ts";
import { UserError } from "./user-error.ts";

/** What one training run's log says: its score, its size and how far it got. */
export interface RunLogSummary {
  /** "crash" when the log has no finite final metric, shows a traceback or error line, or the exit code
   * was non-zero. A crash never carries a score: val_bpb, val_loss and metric are then null. */
  status: "ok" | "crash";
  val_bpb: number | null;
  val_loss: number | null;
  /** What the score's line measured (its words before the numbers), e.g. "final_sliding_window_exact". */
  metric: string | null;
  /** From `Total submission size <qualifier>: N bytes`, never the unqualified line (raw fp32 model). */
  artifact_bytes: number | null;
  model_params: number | null;
  /** The last step reached (from `stopping_early` or the last step line). */
  steps: number | null;
  train_time_ms: number | null;
  peak_memory_mib: number | null;
  /** True when the run hit its wall-clock cap (`stopping_early: wallclock_cap ...`). */
  stopping_early: boolean;
  /** Crash only: the error line (e.g. "ValueError: ...") or why the run counts as a crash. */
  error: string | null;
}

export interface ParseRunLogOptions {
  /** The process's exit status when known; any non-zero value makes the run a crash. */
  exitCode?: number | null;
  /** A regex (from config) overriding the final-metric rule: the last match wins, and its first
   * capture group, or the group named `bpb`, is the value (a group named `loss` gives val_loss). */
  metricPattern?: string | null;
}

// The artifact line; the qualifier (int8+zlib, quantized+brotli, ...) is what tells it from the
// unqualified `Total submission size: N bytes`, which counts the raw fp32 model.
const ARTIFACT_LINE = /^Total submission size\s+(\S[^:=]*?)\s*[:=]\s*(\d+)\s*bytes\b/;
const PEAK_MEMORY_LINE = /^peak memory allocated\s*[:=]\s*(\d+(?:\.\d+)?)\s*(MiB|GiB)?/;
const NUMBER_TOKEN = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const NON_FINITE_TOKEN = /^[-+]?(?:nan|inf|infinity)$/i;

interface MetricLine {
  key: string;
  bpb: number;
  /** As printed, for messages about non-finite values. */
  bpbToken: string;
  loss: number | null;
}

function finiteOrNull(value: number | null | undefined): number | null {
  return value !== null && value !== undefined && Number.isFinite(value) ? value : null;
}

function metricLine(line: string): MetricLine | null {
  const found = readEvalLine(line);
  if (!found) return null;
  return { key: found.label, bpb: found.bpb.value, bpbToken: found.bpb.token, loss: found.loss };
}

function lastLineWithKey(text: string, key: string): MetricLine | null {
  for (const line of linesContaining(text, key, "backward")) {
    const found = readEvalLine(line.text);
    if (found?.label === key) return metricLine(line.text);
  }
  return null;
}

/**
 * Every final line whose label is `key`, first to last: a run prints its final score once, so more than
 * one is a flag (a forged line printed after the real one).
 */
export function finalScoreLines(text: string, key: string): number[] {
  const values: number[] = [];
  if (key === "") return values;
  for (const line of linesContaining(text, key)) {
    const found = readEvalLine(line.text);
    if (found?.label === key && found.kind === "final") values.push(found.bpb.value);
  }
  return values;
}

/** The default rule: the last line carrying a final val_bpb (eval-line.ts says which lines are final). */
function findFinalMetric(text: string): MetricLine | null {
  for (const line of linesContaining(text, "val_bpb", "backward")) {
    const found = readEvalLine(line.text);
    if (found?.kind !== "final") continue;
    const chosen = metricLine(line.text);
    if (!chosen) continue;
    // `quantized_ttt` after `quantized_ttt_exact`: same score, fewer digits; take the exact one.
    if (!chosen.key.endsWith("_exact")) return lastLineWithKey(text, `${chosen.key}_exact`) ?? chosen;
    return chosen;
  }
  return null;
}

function compileMetricPattern(pattern: string | null | undefined): RegExp | null {
  if (pattern === null || pattern === undefined || pattern.trim() === "") return null;
  let regex: RegExp;
  let groups: number;
  try {
    regex = new RegExp(pattern, "gm");
    // An alternation with the empty string always matches, which reveals the number of groups.
    groups = (new RegExp(`${pattern}|`).exec("")?.length ?? 1) - 1;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new UserError(
      `metric_pattern ${JSON.stringify(pattern)} is not a valid regular expression (${why})`,
    );
  }
  if (groups === 0) {
    throw new UserError(
      `metric_pattern ${JSON.stringify(pattern)} has no capture group: put ( ) or (?<bpb> ) around the number`,
    );
  }
  return regex;
}

function tokenValue(token: string | undefined): number | null {
  const t = token?.trim() ?? "";
  if (NUMBER_TOKEN.test(t)) return Number(t);
  if (NON_FINITE_TOKEN.test(t)) return Number.NaN;
  return null;
}

/** The config's rule: the last match whose value group holds a number. */
function findPatternMetric(text: string, regex: RegExp): MetricLine | null {
  let last: { match: RegExpExecArray; value: number } | null = null;
  for (const match of text.matchAll(regex)) {
    const value = tokenValue(match.groups?.["bpb"] ?? match[1]);
    if (value !== null) last = { match, value };
  }
  if (!last) return null;
  const line = logLineAt(text, last.match.index).text;
  const loss = last.match.groups?.["loss"];
  return {
    key: evalLabel(line),
    bpb: last.value,
    bpbToken: (last.match.groups?.["bpb"] ?? last.match[1] ?? "").trim(),
    loss:
      loss !== undefined
        ? finiteOrNull(tokenValue(loss))
        : finiteOrNull(readLogNumber(line, "val_loss")?.value),
  };
}

function lastArtifactBytes(text: string): number | null {
  for (const line of linesContaining(text, "Total submission size", "backward")) {
    const match = ARTIFACT_LINE.exec(line.text.trimStart());
    const bytes = Number(match?.[2]);
    if (match && byteCountProblem(bytes, "artifact") === null) return bytes;
  }
  return null;
}

/** Printed once, near the top: a forward search finds it at once even in a 50 MB log. */
function modelParams(text: string): number | null {
  for (const line of linesContaining(text, "model_params")) {
    const n = readLogNumber(line.text, "model_params")?.value;
    if (n !== undefined && Number.isSafeInteger(n) && n >= 0) return n;
  }
  return null;
}

function lastPeakMemoryMib(text: string): number | null {
  for (const line of linesContaining(text, "peak memory allocated", "backward")) {
    const match = PEAK_MEMORY_LINE.exec(line.text.trimStart());
    if (!match) continue;
    const value = Number(match[1]) * (match[2] === "GiB" ? 1024 : 1);
    if (Number.isFinite(value)) return value;
  }
  return null;
}

function hasStoppingEarly(text: string): boolean {
  for (const line of linesContaining(text, "stopping_early", "backward")) {
    if (line.text.trimStart().startsWith("stopping_early")) return true;
  }
  return false;
}

// Every line parseProgressLine accepts holds one of these: `step:..`, `stopping_early: .. step:..`, `N/M ..`.
const PROGRESS_NEEDLES = ["step", "/"];

/** The last step reached (last step or `stopping_early` line) and the last train_time such a line reports. */
function lastProgress(text: string): { steps: number | null; trainTimeMs: number | null } {
  let last: { start: number; step: number } | null = null;
  let timed: { start: number; ms: number } | null = null;
  for (const needle of PROGRESS_NEEDLES) {
    for (const line of linesContaining(text, needle, "backward")) {
      if (last && timed && line.start <= timed.start) break;
      const progress = parseProgressLine(line.text);
      if (progress === null) continue;
      if (!last || line.start > last.start) last = { start: line.start, step: progress.step };
      if (progress.trainTimeMs !== null && (!timed || line.start > timed.start)) {
        timed = { start: line.start, ms: progress.trainTimeMs };
      }
    }
  }
  return { steps: last?.step ?? null, trainTimeMs: timed?.ms ?? null };
}

function crashReason(
  text: string,
  found: MetricLine | null,
  options: ParseRunLogOptions,
  steps: number | null,
): string | null {
  const logError = findLogError(text);
  if (logError) return logError.line ?? "Python traceback in the log, with no exception line after it";
  const exitCode = options.exitCode;
  if (typeof exitCode === "number" && exitCode !== 0) {
    return found && Number.isFinite(found.bpb)
      ? `process exited with code ${exitCode} (after printing ${found.key} val_bpb ${found.bpbToken})`
      : `process exited with code ${exitCode}`;
  }
  if (!found) {
    const where = steps === null ? "" : ` (the last step reached was ${steps})`;
    return options.metricPattern?.trim()
      ? `metric_pattern matched no line with a number${where}`
      : `no final val_bpb line in the log${where}`;
  }
  // The one range rule (plausible-score.ts): a NaN, zero or negative bpb is a broken evaluation.
  if (valBpbProblem(found.bpb) !== null)
    return `final metric ${found.key} is not a finite, positive number (val_bpb ${found.bpbToken})`;
  return null;
}

/**
 * Reads a `train_gpt.py` log (root script or record scripts) into a summary. Pure and lenient:
 * `key:value`, `key: value` and `key=value` all read, only finite numbers count, and any text parses
 * (an unreadable log is a crash, not an exception). Throws UserError only for a bad metricPattern.
 *
 * The score is the run's last final evaluation (round trip, sliding window, test-time training: what the
 * script evaluates last), never a periodic, diagnostic, pre-quantization or warm-up line (eval-line.ts
 * classifies them); of a metric printed twice, its `_exact` line. Launcher and logger prefixes
 * (timestamps, levels, `[rank0]:`) are dropped first. The score is a finite, positive number or the run is
 * a crash. See ../shared/reference/parameter-golf.md 2.5, 2.9.
 *
 * @example parseRunLog(log, { exitCode: 0 }).val_bpb // 1.2243657 for the baseline record
 */
export function parseRunLog(text: string, options: ParseRunLogOptions = {}): RunLogSummary {
  const pattern = compileMetricPattern(options.metricPattern);
  const found = pattern ? findPatternMetric(text, pattern) : findFinalMetric(text);
  const { steps, trainTimeMs } = lastProgress(text);
  const error = crashReason(text, found, options, steps);
  const score = error === null && found !== null ? found : null;
  return {
    status: error === null ? "ok" : "crash",
    val_bpb: score?.bpb ?? null,
    val_loss: score?.loss ?? null,
    metric: score?.key ?? null,
    artifact_bytes: lastArtifactBytes(text),
    model_params: modelParams(text),
    steps,
    train_time_ms: trainTimeMs,
    peak_memory_mib: lastPeakMemoryMib(text),
    stopping_early: hasStoppingEarly(text),
    error,
  };
}
