/**
 * What the terminal shows while the loop works: a bar per run (step, latest val_bpb, elapsed time),
 * redrawn in place on a TTY, and one line per decision. Without a TTY (CI, a pipe) only the start and
 * decision lines are printed, so logs stay readable.
 */
import { parseProgressLine } from "../core/parse-progress-line.ts";
import type { LoopEvents } from "../engine/loop-events.ts";

export interface ProgressViewOptions {
  write: (text: string) => void;
  isTTY: boolean;
  /** Training time cap of one run, to turn train_time into a fraction; null when unknown. */
  capSeconds: number | null;
  now?: () => number;
}

const VERDICT_MARK: Record<string, string> = {
  keep: "keep   ",
  discard: "discard",
  crash: "crash  ",
  backtrack: "back   ",
};

function bar(fraction: number, width = 20): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

export function progressView(options: ProgressViewOptions): LoopEvents {
  const now = options.now ?? (() => Date.now());
  let current: {
    id: string;
    description: string;
    started: number;
    step: number;
    total: number | null;
    trainMs: number;
    trainLoss: number | null;
    valBpb: number | null;
  } | null = null;
  let lastDraw = 0;

  const draw = (force = false) => {
    if (!options.isTTY || !current) return;
    const t = now();
    if (!force && t - lastDraw < 100) return;
    lastDraw = t;
    const fraction =
      options.capSeconds && current.trainMs > 0
        ? current.trainMs / (options.capSeconds * 1000)
        : current.total
          ? current.step / current.total
          : 0;
    // Periodic evals are sparse (step 0 first), so the train loss is the live number.
    const loss = current.trainLoss === null ? "" : ` loss ${current.trainLoss.toFixed(3)}`;
    const val = current.valBpb === null ? "" : ` val_bpb ${current.valBpb.toFixed(3)}`;
    const text = `${current.id} ${bar(fraction)} step ${current.step}${loss}${val} ${clock((t - current.started) / 1000)}  ${current.description}`;
    options.write(`\r\x1b[2K${text.slice(0, 118)}`);
  };

  return {
    runStarted(run) {
      current = {
        id: run.id,
        description: run.description,
        started: now(),
        step: 0,
        total: null,
        trainMs: 0,
        trainLoss: null,
        valBpb: null,
      };
      if (options.isTTY) draw(true);
      else options.write(`${run.id} training: ${run.description}\n`);
    },
    runLine(_id, line) {
      if (!current) return;
      const p = parseProgressLine(line);
      if (!p) return;
      current.step = p.step;
      current.total = p.totalSteps ?? current.total;
      if (p.trainTimeMs !== null) current.trainMs = p.trainTimeMs;
      if (p.valBpb !== null) current.valBpb = p.valBpb;
      if (p.trainLoss !== null) current.trainLoss = p.trainLoss;
      draw();
    },
    runFinished({ id, row, decision }) {
      if (options.isTTY) options.write("\r\x1b[2K");
      current = null;
      const score = row.val_bpb === null ? "no score      " : `val_bpb ${row.val_bpb.toFixed(4)}`;
      const delta =
        decision.delta === null ? "" : ` (${decision.delta >= 0 ? "+" : ""}${decision.delta.toFixed(4)})`;
      options.write(
        `${VERDICT_MARK[row.status] ?? row.status} ${id.padEnd(8)} ${score}${delta.padEnd(10)} ${String(row.seconds ?? "?").padStart(5)} s  ${row.description}\n` +
          (row.status === "keep" ? "" : `         ${decision.reason}\n`),
      );
    },
    notice(text) {
      if (options.isTTY) options.write("\r\x1b[2K");
      options.write(`  ! ${text}\n`);
    },
  };
}
