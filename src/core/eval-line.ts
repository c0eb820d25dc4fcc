/**
 * What one log line carrying `val_bpb` is: the score of a finished model ("final"), or one of the lines
 * scripts print on the way that must never be taken as the score. The rule is a classification of the
 * line's own words, not a list of script names, so a record script with new key names still reads right:
 *
 * - periodic: a measurement taken inside a loop: a training step line (`step:200/20000 ...`,
 *   `4986/20000 ...`), a counter (`ttt_chunk 12/100`), a loop position (`epoch:2`, `ttt_step:3`), a line
 *   that also reports `train_loss`, or the best of the periodic ones (`best val_bpb:..`);
 * - diagnostic: says so (`diagnostic ...`, `DIAGNOSTIC post_ema`, `debug`, `sanity`);
 * - pre_quantization: the model before the step that makes the artifact (`pre-quantization post-ema`,
 *   `pre_ema`, `prequant`, `unquantized`, `before_quant`);
 * - warmup: compile or warm-up evaluations (`warmup ...`, `eval_warmup`, `warm-up`);
 * - final: everything else: round trip, sliding window, test-time training, whatever the script
 *   evaluates. The run's score is the last final line (parse-run-log.ts).
 */
import { parseProgressLine } from "./parse-progress-line.ts";
import { readLogNumber, type LogNumber } from "./read-log-number.ts";

export type EvalKind = "final" | "periodic" | "diagnostic" | "pre_quantization" | "warmup";

export interface EvalLine {
  /** What the line measured (`final_sliding_window_exact`, `pre-quantization post-ema`; see evalLabel).
   * Never a timestamp. */
  label: string;
  kind: EvalKind;
  bpb: LogNumber;
  /** val_loss on the same line, when it is a finite number. */
  loss: number | null;
}

// Where the numbers start: the first `val_loss` / `val_bpb` key with its separator.
const FIRST_METRIC_KEY = /(?<![\w])val_(?:loss|bpb)\s*[:=]/;
// Context a launcher or logger prints before the message: `[train.py:42] `, `[worker 3]: `.
const LEADING_BRACKETS = /^(?:\s*\[[^\]]*\]:?)+/;
// A `key:number` / `key=number` field (`step:200/20000`, `eval_time:1401ms`, `loss=1.9`).
const NUMERIC_FIELD = /(?<![\w.])([A-Za-z_][\w.]*)\s*[:=]\s*[-+]?(?:\d|\.\d|nan\b|inf)/i;
// Only digits and time or date punctuation: what is left of a stamp the prefix rule did not know.
const STAMP_LIKE = /^[\d\s:.,/+TZ-]*$/;
// In the label, any loop word with its position (`ttt_chunk 12`, `epoch3`); anywhere on the line, only a
// position field (`step:500`), since final lines may state settings such as `ttt_epochs:3`.
const LOOP_LABEL = /(?<![a-z])(?:step|steps|iter|iters|iteration|epoch|chunk|batch)[\s:=_#]*\d/i;
const LOOP_FIELD = /(?<![a-z])(?:step|iter|iteration|epoch)\s*[:=]\s*\d/i;
const COUNTER = /\d+\s*\/\s*\d+/;
const DIAGNOSTIC_WORDS = new Set(["diagnostic", "diagnostics", "diag", "debug", "sanity"]);
const PRE_STAGE = /^(?:quant\w*|ema|swa|ttt|export|compress\w*|roundtrip|serializ\w*|prune\w*|averag\w*)$/;

/** The message in front of the line's first metric key, without a launcher's `[...]` or `... |` context. */
function headOf(line: string): string {
  const at = line.search(FIRST_METRIC_KEY);
  let head = at < 0 ? line : line.slice(0, at);
  // glog-style `I1203 12:34:56.7 1234 train.py:42] message`: a `]` that closes no `[` ends the context.
  const close = head.indexOf("]");
  if (close >= 0 && !head.slice(0, close).includes("[")) head = head.slice(close + 1);
  head = head.replace(LEADING_BRACKETS, "");
  return (
    head
      .split("|")
      .filter((s) => s.trim() !== "")
      .at(-1) ?? ""
  );
}

/**
 * The words naming what a line measured: its head up to the first `key:number` field, or, for a line that
 * is only fields, the first field's key (`step:200/20000 val_loss:..` -> "step") or "val_bpb".
 */
export function evalLabel(line: string): string {
  const head = headOf(line);
  const field = NUMERIC_FIELD.exec(head);
  let label = field ? head.slice(0, field.index) : head;
  label = label
    .trim()
    .replace(/[\s:=,;(|-]+$/, "")
    .replace(/\s+/g, " ");
  if (STAMP_LIKE.test(label)) label = field?.[1] ?? "val_bpb";
  return label.length > 120 ? label.slice(0, 120) : label;
}

function words(label: string): string[] {
  return label
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== "");
}

function isPreQuantization(ws: string[]): boolean {
  return ws.some((w, i) => {
    if (w === "unquantized" || w === "nonquantized") return true;
    if (w === "pre" || w === "before") return i + 1 < ws.length;
    return w.startsWith("pre") && PRE_STAGE.test(w.slice(3));
  });
}

function isWarmup(ws: string[]): boolean {
  return ws.some((w, i) => w.startsWith("warmup") || (w === "warm" && ws[i + 1] === "up"));
}

/** Classifies a cleaned line (see cleanLogLine); null when it carries no numeric val_bpb. */
export function readEvalLine(line: string): EvalLine | null {
  const bpb = readLogNumber(line, "val_bpb");
  if (bpb === null) return null;
  const head = headOf(line);
  const label = evalLabel(line);
  const loss = readLogNumber(line, "val_loss")?.value;
  const ws = words(label);
  let kind: EvalKind = "final";
  if (
    parseProgressLine(line) !== null ||
    COUNTER.test(head) ||
    LOOP_LABEL.test(head) ||
    LOOP_FIELD.test(line) ||
    readLogNumber(line, "train_loss") !== null ||
    ws.includes("best")
  )
    kind = "periodic";
  else if (ws.some((w) => DIAGNOSTIC_WORDS.has(w))) kind = "diagnostic";
  else if (isPreQuantization(ws)) kind = "pre_quantization";
  else if (isWarmup(ws)) kind = "warmup";
  return {
    label,
    kind,
    bpb,
    loss: loss !== undefined && Number.isFinite(loss) ? loss : null,
  };
}
