import { cleanLogLine } from "./log-lines.ts";
import { readLogNumber, type LogNumber } from "./read-log-number.ts";

/** Where a training run is, read from one line it printed. */
export interface ProgressLine {
  step: number;
  /** The planned number of steps (`ITERATIONS`), null when the line does not say. */
  totalSteps: number | null;
  trainLoss: number | null;
  /** Only on periodic validation lines; this is the pre-quantization score, never the final one. */
  valBpb: number | null;
  trainTimeMs: number | null;
}

// `step:200/20000 ...` (root script), `step: 200/20000`, `step:200 ...` (no total).
const STEP_PREFIX = /^step\s*[:=]\s*(\d+)(?:\s*\/\s*(\d+))?(?![\w.])/;
// `4986/20000 val_loss: ...` (Kevin Clark-lineage record scripts print no `step:`).
const BARE_STEP = /^(\d+)\/(\d+)\s/;
// The step inside `stopping_early: wallclock_cap train_time:600038ms step:13780/20000`.
const STEP_ANYWHERE = /(?:^|[^\w])step\s*[:=]\s*(\d+)(?:\s*\/\s*(\d+))?/;

function finite(n: LogNumber | null): number | null {
  return n !== null && Number.isFinite(n.value) ? n.value : null;
}

const MS_PER_UNIT: Record<string, number> = {
  "": 1,
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
};

/** `train_time:600038ms` -> 600038; `train_time: 8.7m` (record scripts print minutes) -> 522000. */
function trainTimeMs(line: string): number | null {
  const n = readLogNumber(line, "train_time");
  const scale = n === null ? undefined : MS_PER_UNIT[n.unit.toLowerCase()];
  if (n === null || scale === undefined || !Number.isFinite(n.value) || n.value < 0) return null;
  return Math.round(n.value * scale);
}

function toInt(digits: string | undefined): number | null {
  if (digits === undefined) return null;
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * Reads one line printed while a run trains, for a live progress bar. Knows the root script's
 * `step:N/M train_loss:.. train_time:..ms` and `step:N/M val_loss:.. val_bpb:..` lines, the record
 * scripts' `N/M train_loss: .. train_time: 3.4m` form and the `stopping_early: ... step:N/M` line.
 * Returns null for every other line, warm-up steps included (`warmup_step:3/20` is not training).
 *
 * @example parseProgressLine("step:200/20000 train_loss:2.8041 train_time:8677ms step_avg:43.38ms")
 *   // { step: 200, totalSteps: 20000, trainLoss: 2.8041, valBpb: null, trainTimeMs: 8677 }
 */
export function parseProgressLine(line: string): ProgressLine | null {
  const text = cleanLogLine(line).trim();
  const first = text.charCodeAt(0);
  let match: RegExpExecArray | null = null;
  if (first === 115 /* s */) {
    if (text.startsWith("step")) match = STEP_PREFIX.exec(text);
    else if (text.startsWith("stopping_early"))
      match = STEP_ANYWHERE.exec(text.slice("stopping_early".length));
  } else if (first >= 48 && first <= 57) {
    match = BARE_STEP.exec(text);
    // A bare "N/M" is only a step when the line goes on to report training numbers.
    if (match && !/(?:train_loss|val_loss|val_bpb|train_time)\s*[:=]/.test(text)) match = null;
  }
  if (!match) return null;
  const step = toInt(match[1]);
  if (step === null) return null;
  return {
    step,
    totalSteps: toInt(match[2]),
    trainLoss: finite(readLogNumber(text, "train_loss")),
    valBpb: finite(readLogNumber(text, "val_bpb")),
    trainTimeMs: trainTimeMs(text),
  };
}
