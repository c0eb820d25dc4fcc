/**
 * Where a run's wall time went, from the lines it printed and when each arrived: start-up (imports,
 * data loading, compile, warm-up) until training began, the training loop, evaluation and serialization
 * after the last step, and the process's exit after its last line. The training loop's own seconds come
 * from the log (`train_time`), so the duty cycle (training-loop seconds over wall seconds) is honest
 * about everything around the loop.
 */
import { parseProgressLine } from "./parse-progress-line.ts";

export interface RunPhases {
  /** Spawn until the training loop started (start-up, compile, warm-up, the step-0 evaluation). */
  startup: number;
  /** The training loop, periodic evaluations included. */
  training: number;
  /** After the last training step until the last line: final evaluation, quantization, serialization. */
  evaluation: number;
  /** After the last line until the process group exited. */
  exit: number;
}

export interface RunTiming {
  /** Spawn to exit. */
  wallSeconds: number;
  /** The training loop's seconds by the log's own clock (`train_time`); null when it printed none. */
  trainLoopSeconds: number | null;
  /** The last step the log reported; null when it reported none. */
  steps: number | null;
  phases: RunPhases;
}

export interface RunTimingTracker {
  /** One line of output, `at` seconds after spawn. */
  line(text: string, at: number): void;
  /** The process exited `at` seconds after spawn. */
  finish(at: number): RunTiming;
}

const round = (s: number) => Math.round(s * 1000) / 1000;

/** Follows a run's output as it arrives; keeps a few numbers, never the lines. */
export function trackRunTiming(): RunTimingTracker {
  let lastLineAt: number | null = null;
  let trainingStart: number | null = null;
  let lastProgressAt: number | null = null;
  let trainMs: number | null = null;
  let steps: number | null = null;
  // The last line that reported a training step (with a loss) and its clock: training ends about
  // (final train time - its train time) after it, whatever was printed in between.
  let lastTrainLine: { at: number; trainMs: number } | null = null;

  return {
    line(text, at) {
      lastLineAt = at;
      const p = parseProgressLine(text);
      if (!p) return;
      lastProgressAt = at;
      steps = Math.max(steps ?? 0, p.step);
      if (p.trainTimeMs !== null) {
        // The loop began this line's own train time before it arrived.
        if (trainingStart === null) trainingStart = Math.max(0, at - p.trainTimeMs / 1000);
        trainMs = Math.max(trainMs ?? 0, p.trainTimeMs);
        if (p.trainLoss !== null) lastTrainLine = { at, trainMs: p.trainTimeMs };
      } else if (trainingStart === null) {
        trainingStart = at;
      }
    },
    finish(at) {
      const wall = Math.max(0, at);
      const lastLine = Math.min(lastLineAt ?? wall, wall);
      let startup = lastLine;
      let training = 0;
      let evaluation = 0;
      if (trainingStart !== null && lastProgressAt !== null) {
        const start = Math.min(trainingStart, lastProgressAt);
        const estimatedEnd =
          lastTrainLine !== null && trainMs !== null
            ? lastTrainLine.at + (trainMs - lastTrainLine.trainMs) / 1000
            : lastProgressAt;
        const end = Math.min(Math.max(estimatedEnd, start), lastProgressAt);
        startup = start;
        training = end - start;
        evaluation = Math.max(0, lastLine - end);
      }
      return {
        wallSeconds: round(wall),
        trainLoopSeconds: trainMs === null ? null : round(trainMs / 1000),
        steps,
        phases: {
          startup: round(startup),
          training: round(training),
          evaluation: round(evaluation),
          exit: round(Math.max(0, wall - lastLine)),
        },
      };
    },
  };
}

/** A session's runs added up: where all their wall time went. */
export interface TimeTotals {
  runs: number;
  /** Wall seconds of the training processes. */
  runSeconds: number;
  /** Training-loop seconds by the logs' own clocks (a run that printed none counts 0). */
  trainLoopSeconds: number;
  phases: RunPhases;
  /** caddie's own work around the processes (export, data view, checks). */
  caddieSeconds: number;
  /** caddie's scoring steps: the re-score of every model on the held-out shard. */
  scoreSeconds: number;
}

export function noTime(): TimeTotals {
  return {
    runs: 0,
    runSeconds: 0,
    trainLoopSeconds: 0,
    phases: { startup: 0, training: 0, evaluation: 0, exit: 0 },
    caddieSeconds: 0,
    scoreSeconds: 0,
  };
}

/** Adds one run; a runner that saw no lines arrive (a workflow run) counts its seconds as start-up. */
export function addRunTime(
  total: TimeTotals,
  run: { seconds: number; timing?: RunTiming; overheadSeconds?: number },
): TimeTotals {
  const p = run.timing?.phases ?? { startup: run.seconds, training: 0, evaluation: 0, exit: 0 };
  return {
    ...total,
    runs: total.runs + 1,
    runSeconds: total.runSeconds + run.seconds,
    trainLoopSeconds: total.trainLoopSeconds + (run.timing?.trainLoopSeconds ?? 0),
    phases: {
      startup: total.phases.startup + p.startup,
      training: total.phases.training + p.training,
      evaluation: total.phases.evaluation + p.evaluation,
      exit: total.phases.exit + p.exit,
    },
    caddieSeconds: total.caddieSeconds + (run.overheadSeconds ?? 0),
  };
}
