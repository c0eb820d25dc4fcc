/**
 * What the terminal shows while the loop works: a bar per run (step, latest val_bpb, elapsed time),
 * redrawn in place on a TTY, and one line per decision. Without a TTY (CI, a pipe) only the start and
 * decision lines are printed, so logs stay readable.
 */
import { parseProgressLine } from "../core/parse-progress-line.ts";
import type { RunTiming } from "../core/run-timing.ts";
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

/** "train loop 20.0 s of 31.2 s: start-up 6.1, training 21.0, evaluation 3.9, exit 0.2". */
function timeLine(t: RunTiming): string {
  const f = (x: number) => x.toFixed(1);
  const loop =
    t.trainLoopSeconds === null ? "no train time in the log" : `train loop ${f(t.trainLoopSeconds)} s`;
  const p = t.phases;
  return `${loop} of ${f(t.wallSeconds)} s: start-up ${f(p.startup)}, training ${f(p.training)}, evaluation ${f(p.evaluation)}, exit ${f(p.exit)}`;
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
    runFinished({ id, row, decision, timing }) {
      if (options.isTTY) options.write("\r\x1b[2K");
      current = null;
      const score = row.val_bpb === null ? "no score      " : `val_bpb ${row.val_bpb.toFixed(4)}`;
      // The reason names the flags of a flagged discard; a kept baseline's flags get their own line.
      const flags =
        row.status === "keep" && row.flags.length > 0
          ? `         flagged: ${row.flags.map((f) => f.message).join("; ")}\n`
          : "";
      const delta =
        decision.delta === null ? "" : ` (${decision.delta >= 0 ? "+" : ""}${decision.delta.toFixed(4)})`;
      options.write(
        `${VERDICT_MARK[row.status] ?? row.status} ${id.padEnd(8)} ${score}${delta.padEnd(10)} ${String(row.seconds ?? "?").padStart(5)} s  ${row.description}\n` +
          (row.status === "keep" ? flags : `         ${decision.reason}\n`) +
          (timing ? `         ${timeLine(timing)}\n` : ""),
      );
    },
    notice(text) {
      if (options.isTTY) options.write("\r\x1b[2K");
      options.write(`  ! ${text}\n`);
    },
  };
}
