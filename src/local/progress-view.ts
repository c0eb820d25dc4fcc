/**
 * What the terminal shows while the loop works: a bar per run (step, latest val_bpb, elapsed time),
 * redrawn in place on a TTY (one short bar per slot when several train at once), and one line per decision. Without a TTY (CI, a pipe) only the start and
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

interface Current {
  id: string;
  description: string;
  slot: string | null;
  started: number;
  step: number;
  total: number | null;
  trainMs: number;
  trainLoss: number | null;
  valBpb: number | null;
}

export function progressView(options: ProgressViewOptions): LoopEvents {
  const now = options.now ?? (() => Date.now());
  // Every run in flight (one per slot), in the order they started.
  const current = new Map<string, Current>();
  let lastDraw = 0;

  const fraction = (c: Current) =>
    options.capSeconds && c.trainMs > 0
      ? c.trainMs / (options.capSeconds * 1000)
      : c.total
        ? c.step / c.total
        : 0;

  const draw = (force = false) => {
    if (!options.isTTY || current.size === 0) return;
    const t = now();
    if (!force && t - lastDraw < 100) return;
    lastDraw = t;
    let text: string;
    if (current.size === 1) {
      const c = [...current.values()][0] as Current;
      // Periodic evals are sparse (step 0 first), so the train loss is the live number.
      const loss = c.trainLoss === null ? "" : ` loss ${c.trainLoss.toFixed(3)}`;
      const val = c.valBpb === null ? "" : ` val_bpb ${c.valBpb.toFixed(3)}`;
      text = `${c.id} ${bar(fraction(c))} step ${c.step}${loss}${val} ${clock((t - c.started) / 1000)}  ${c.description}`;
    } else {
      // Several slots: one short bar each on the same line.
      text = [...current.values()]
        .map((c) => `${c.id} ${bar(fraction(c), 8)} ${clock((t - c.started) / 1000)}`)
        .join("  ");
    }
    options.write(`\r\x1b[2K${text.slice(0, 118)}`);
  };

  return {
    runStarted(run) {
      current.set(run.id, {
        id: run.id,
        description: run.description,
        slot: run.slot ?? null,
        started: now(),
        step: 0,
        total: null,
        trainMs: 0,
        trainLoss: null,
        valBpb: null,
      });
      const where = run.slot ? ` (${run.slot})` : "";
      if (options.isTTY && current.size > 1)
        options.write(`\r\x1b[2K${run.id} training${where}: ${run.description}\n`);
      if (options.isTTY) draw(true);
      else options.write(`${run.id} training${where}: ${run.description}\n`);
    },
    runLine(id, line) {
      const c = current.get(id);
      if (!c) return;
      const p = parseProgressLine(line);
      if (!p) return;
      c.step = p.step;
      c.total = p.totalSteps ?? c.total;
      if (p.trainTimeMs !== null) c.trainMs = p.trainTimeMs;
      if (p.valBpb !== null) c.valBpb = p.valBpb;
      if (p.trainLoss !== null) c.trainLoss = p.trainLoss;
      draw();
    },
    runFinished({ id, row, decision, timing }) {
      if (options.isTTY) options.write("\r\x1b[2K");
      current.delete(id);
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
      draw(true);
    },
    notice(text) {
      if (options.isTTY) options.write("\r\x1b[2K");
      options.write(`  ! ${text}\n`);
      draw(true);
    },
  };
}
